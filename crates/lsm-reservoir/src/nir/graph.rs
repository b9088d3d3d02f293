//! The in-memory NIR graph: the node types lsm maps, their fields as NIR names them, and
//! the checks of their shapes (the file layer in `lsm-cli` reads and writes these fields).

use crate::error::{ReservoirError, Result};
use std::collections::BTreeMap;

/// A metadata value of a node or of the graph (NIR stores metadata as a free-form dict).
#[derive(Clone, Debug, PartialEq)]
pub enum MetaValue {
    /// A number.
    Num(f64),
    /// An array of numbers.
    Nums(Vec<f64>),
    /// A UTF-8 string.
    Text(String),
}

/// Metadata: name -> value (sorted by name).
pub type Meta = BTreeMap<String, MetaValue>;

/// A dense matrix in row-major order (`rows` x `cols`): NIR's `weight` (`[post][pre]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Number of rows (outputs).
    pub rows: usize,
    /// Number of columns (inputs).
    pub cols: usize,
    /// `rows * cols` values, row by row.
    pub data: Vec<f64>,
}

impl Dense {
    /// The value at (`r`, `c`).
    #[inline]
    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.cols + c]
    }
}

/// One node of a NIR graph: the types lsm maps, and every other type by name.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `Input`: a graph input of shape `shape`.
    Input {
        /// The shape (lsm: one dimension, the input channels).
        shape: Vec<i64>,
    },
    /// `Output`: a graph output of shape `shape`.
    Output {
        /// The shape (lsm: one dimension, the neurons).
        shape: Vec<i64>,
    },
    /// `Affine`: `y = W x + b`.
    Affine {
        /// `W`, `[post][pre]`.
        weight: Dense,
        /// `b`, one per output.
        bias: Vec<f64>,
    },
    /// `Linear`: `y = W x`.
    Linear {
        /// `W`, `[post][pre]`.
        weight: Dense,
    },
    /// `Delay`: `y_i(t) = x_i(t - delay_i)`.
    Delay {
        /// One delay per element.
        delay: Vec<f64>,
    },
    /// `LIF`: `tau dv/dt = (v_leak - v) + r I`, spike when `v > v_threshold`, then `v_reset`.
    Lif {
        /// Membrane time constant.
        tau: Vec<f64>,
        /// Resistance.
        r: Vec<f64>,
        /// Leak (resting) potential.
        v_leak: Vec<f64>,
        /// Threshold.
        v_threshold: Vec<f64>,
        /// Reset potential.
        v_reset: Vec<f64>,
    },
    /// `CubaLIF`: `tau_syn dI/dt = -I + w_in S`, `tau_mem dv/dt = (v_leak - v) + r I`.
    CubaLif {
        /// Synaptic time constant.
        tau_syn: Vec<f64>,
        /// Membrane time constant.
        tau_mem: Vec<f64>,
        /// Resistance.
        r: Vec<f64>,
        /// Leak (resting) potential.
        v_leak: Vec<f64>,
        /// Threshold.
        v_threshold: Vec<f64>,
        /// Reset potential.
        v_reset: Vec<f64>,
        /// Input weight of the synaptic current.
        w_in: Vec<f64>,
    },
    /// `IF`: `dv/dt = r I`, spike when `v > v_threshold`, then `v_reset`.
    If {
        /// Resistance (per unit time).
        r: Vec<f64>,
        /// Threshold.
        v_threshold: Vec<f64>,
        /// Reset potential.
        v_reset: Vec<f64>,
    },
    /// Any other NIR type (`Conv2d`, `LI`, `Threshold`, a nested `NIRGraph`...): kept by
    /// name so that import can refuse it by name.
    Other {
        /// The NIR type name.
        type_name: String,
    },
}

/// The kind of a node field as stored in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// A 1-D array of floats (a 0-D scalar is read as one value).
    Vector,
    /// A 2-D array of floats.
    Matrix,
    /// A 1-D array of integers (a shape).
    Shape,
}

/// A field value read from or written to a file.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    /// A vector of floats.
    Vector(Vec<f64>),
    /// A matrix of floats.
    Matrix(Dense),
    /// A shape.
    Shape(Vec<i64>),
}

/// The fields of each mapped NIR type, in NIR's names, with whether each is required
/// (`v_reset` may be absent: NIR then means 0).
pub fn field_specs(type_name: &str) -> Option<&'static [(&'static str, FieldKind, bool)]> {
    use FieldKind::*;
    Some(match type_name {
        "Input" | "Output" => &[("shape", Shape, true)],
        "Affine" => &[("weight", Matrix, true), ("bias", Vector, true)],
        "Linear" => &[("weight", Matrix, true)],
        "Delay" => &[("delay", Vector, true)],
        "LIF" => &[
            ("tau", Vector, true),
            ("r", Vector, true),
            ("v_leak", Vector, true),
            ("v_threshold", Vector, true),
            ("v_reset", Vector, false),
        ],
        "CubaLIF" => &[
            ("tau_syn", Vector, true),
            ("tau_mem", Vector, true),
            ("r", Vector, true),
            ("v_leak", Vector, true),
            ("v_threshold", Vector, true),
            ("v_reset", Vector, false),
            ("w_in", Vector, false),
        ],
        "IF" => &[
            ("r", Vector, true),
            ("v_threshold", Vector, true),
            ("v_reset", Vector, false),
        ],
        _ => return None,
    })
}

fn node_err(file: &str, node: &str, msg: impl Into<String>) -> ReservoirError {
    ReservoirError::Nir {
        file: file.into(),
        node: node.into(),
        msg: msg.into(),
    }
}

impl NodeKind {
    /// The NIR type name (`"LIF"`, `"Affine"`...).
    pub fn type_name(&self) -> &str {
        match self {
            NodeKind::Input { .. } => "Input",
            NodeKind::Output { .. } => "Output",
            NodeKind::Affine { .. } => "Affine",
            NodeKind::Linear { .. } => "Linear",
            NodeKind::Delay { .. } => "Delay",
            NodeKind::Lif { .. } => "LIF",
            NodeKind::CubaLif { .. } => "CubaLIF",
            NodeKind::If { .. } => "IF",
            NodeKind::Other { type_name } => type_name,
        }
    }

    /// The fields to store, in NIR's names (nothing for [`NodeKind::Other`]).
    pub fn fields(&self) -> Vec<(&'static str, Field)> {
        let v = |name, x: &Vec<f64>| (name, Field::Vector(x.clone()));
        match self {
            NodeKind::Input { shape } | NodeKind::Output { shape } => {
                vec![("shape", Field::Shape(shape.clone()))]
            }
            NodeKind::Affine { weight, bias } => {
                vec![("weight", Field::Matrix(weight.clone())), v("bias", bias)]
            }
            NodeKind::Linear { weight } => vec![("weight", Field::Matrix(weight.clone()))],
            NodeKind::Delay { delay } => vec![v("delay", delay)],
            NodeKind::Lif {
                tau,
                r,
                v_leak,
                v_threshold,
                v_reset,
            } => vec![
                v("tau", tau),
                v("r", r),
                v("v_leak", v_leak),
                v("v_threshold", v_threshold),
                v("v_reset", v_reset),
            ],
            NodeKind::CubaLif {
                tau_syn,
                tau_mem,
                r,
                v_leak,
                v_threshold,
                v_reset,
                w_in,
            } => vec![
                v("tau_syn", tau_syn),
                v("tau_mem", tau_mem),
                v("r", r),
                v("v_leak", v_leak),
                v("v_threshold", v_threshold),
                v("v_reset", v_reset),
                v("w_in", w_in),
            ],
            NodeKind::If {
                r,
                v_threshold,
                v_reset,
            } => vec![
                v("r", r),
                v("v_threshold", v_threshold),
                v("v_reset", v_reset),
            ],
            NodeKind::Other { .. } => Vec::new(),
        }
    }

    /// Build a node of a mapped type from its fields (as [`field_specs`] lists them), checking
    /// that the parameter arrays of a neuron agree in length and that bias and weight agree;
    /// `file` and `node` name the node in errors. A type [`field_specs`] does not know becomes
    /// [`NodeKind::Other`].
    ///
    /// # Errors
    /// [`ReservoirError::Nir`] for a missing field, a field of the wrong kind, or lengths that
    /// disagree.
    pub fn from_fields(
        type_name: &str,
        mut fields: BTreeMap<String, Field>,
        file: &str,
        node: &str,
    ) -> Result<NodeKind> {
        let Some(specs) = field_specs(type_name) else {
            return Ok(NodeKind::Other {
                type_name: type_name.into(),
            });
        };
        for (name, kind, required) in specs {
            match fields.get(*name) {
                None if *required => {
                    return Err(node_err(
                        file,
                        node,
                        format!("field `{name}` of the {type_name} node is missing"),
                    ))
                }
                Some(f)
                    if !matches!(
                        (f, kind),
                        (Field::Vector(_), FieldKind::Vector)
                            | (Field::Matrix(_), FieldKind::Matrix)
                            | (Field::Shape(_), FieldKind::Shape)
                    ) =>
                {
                    return Err(node_err(
                        file,
                        node,
                        format!(
                            "field `{name}`: expected a {kind:?} ({})",
                            match kind {
                                FieldKind::Vector => "1-D array of numbers",
                                FieldKind::Matrix => "2-D array of numbers",
                                FieldKind::Shape => "1-D array of integers",
                            }
                        ),
                    ))
                }
                _ => {}
            }
        }
        let mut take = |name: &str| fields.remove(name);
        let vec = |f: Option<Field>| match f {
            Some(Field::Vector(v)) => Some(v),
            _ => None,
        };
        let mat = |f: Option<Field>| match f {
            Some(Field::Matrix(m)) => m,
            _ => unreachable!("checked above"),
        };
        let shape = |f: Option<Field>| match f {
            Some(Field::Shape(s)) => s,
            _ => unreachable!("checked above"),
        };
        let kind = match type_name {
            "Input" => NodeKind::Input {
                shape: shape(take("shape")),
            },
            "Output" => NodeKind::Output {
                shape: shape(take("shape")),
            },
            "Affine" => NodeKind::Affine {
                weight: mat(take("weight")),
                bias: vec(take("bias")).unwrap_or_default(),
            },
            "Linear" => NodeKind::Linear {
                weight: mat(take("weight")),
            },
            "Delay" => NodeKind::Delay {
                delay: vec(take("delay")).unwrap_or_default(),
            },
            "LIF" => {
                let v_threshold = vec(take("v_threshold")).unwrap_or_default();
                NodeKind::Lif {
                    tau: vec(take("tau")).unwrap_or_default(),
                    r: vec(take("r")).unwrap_or_default(),
                    v_leak: vec(take("v_leak")).unwrap_or_default(),
                    v_reset: vec(take("v_reset")).unwrap_or_else(|| vec![0.0; v_threshold.len()]),
                    v_threshold,
                }
            }
            "CubaLIF" => {
                let v_threshold = vec(take("v_threshold")).unwrap_or_default();
                let n = v_threshold.len();
                NodeKind::CubaLif {
                    tau_syn: vec(take("tau_syn")).unwrap_or_default(),
                    tau_mem: vec(take("tau_mem")).unwrap_or_default(),
                    r: vec(take("r")).unwrap_or_default(),
                    v_leak: vec(take("v_leak")).unwrap_or_default(),
                    v_reset: vec(take("v_reset")).unwrap_or_else(|| vec![0.0; n]),
                    w_in: vec(take("w_in")).unwrap_or_else(|| vec![1.0; n]),
                    v_threshold,
                }
            }
            "IF" => {
                let v_threshold = vec(take("v_threshold")).unwrap_or_default();
                NodeKind::If {
                    r: vec(take("r")).unwrap_or_default(),
                    v_reset: vec(take("v_reset")).unwrap_or_else(|| vec![0.0; v_threshold.len()]),
                    v_threshold,
                }
            }
            _ => unreachable!("field_specs knows only the types above"),
        };
        kind.check_lengths(file, node)?;
        Ok(kind)
    }

    /// Check that the arrays of one node agree: the parameters of a neuron have one length,
    /// a bias has one value per weight row.
    ///
    /// # Errors
    /// [`ReservoirError::Nir`] naming the field whose length differs.
    pub fn check_lengths(&self, file: &str, node: &str) -> Result<()> {
        let fields = self.fields();
        let mut n: Option<(&str, usize)> = None;
        for (name, f) in &fields {
            match f {
                Field::Vector(v) => match n {
                    None => n = Some((name, v.len())),
                    Some((first, len)) if len != v.len() => {
                        return Err(node_err(
                            file,
                            node,
                            format!(
                                "field `{name}` has {} values but `{first}` has {len}: expected equal lengths",
                                v.len()
                            ),
                        ))
                    }
                    _ => {}
                },
                Field::Matrix(m) => {
                    if m.data.len() as f64 != m.rows as f64 * m.cols as f64 {
                        return Err(node_err(
                            file,
                            node,
                            format!("field `{name}`: {} values for a {} x {} matrix", m.data.len(), m.rows, m.cols),
                        ));
                    }
                    n = Some((name, m.rows));
                }
                Field::Shape(_) => {}
            }
        }
        Ok(())
    }
}

/// A node: its type with its fields, and its metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct NirNode {
    /// The type and its fields.
    pub kind: NodeKind,
    /// Free-form metadata (lsm keeps its own extras here, named `lsm_*`).
    pub metadata: Meta,
}

/// A NIR graph: named nodes, edges between them (by name) and graph metadata.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NirGraph {
    /// The nodes, in file order.
    pub nodes: Vec<(String, NirNode)>,
    /// Edges `(from, to)`.
    pub edges: Vec<(String, String)>,
    /// Graph metadata (lsm writes `dt` here, in seconds).
    pub metadata: Meta,
}

impl NirGraph {
    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&NirNode> {
        self.nodes.iter().find(|(n, _)| n == name).map(|(_, x)| x)
    }

    /// Add a node without metadata.
    pub fn push(&mut self, name: &str, kind: NodeKind) {
        self.nodes.push((
            name.into(),
            NirNode {
                kind,
                metadata: Meta::new(),
            },
        ));
    }

    /// Add an edge.
    pub fn edge(&mut self, from: &str, to: &str) {
        self.edges.push((from.into(), to.into()));
    }
}
