//! NIR files (HDF5, as the Python `nir` package writes them with h5py) <-> the in-memory
//! [`NirGraph`] of `lsm_reservoir::nir`.
//!
//! Layout: a string dataset `/version`, and the graph in the group `/node`: `type`
//! (`"NIRGraph"`), `edges` (an `m x 2` array of strings), `metadata` (optional group of
//! datasets), and `nodes/<name>/` with `type`, the node's fields as datasets and optional
//! `metadata`. Strings are variable-length UTF-8, numbers float64 (float32 and integers are
//! read too), shapes int64.
//!
//! Reading checks every dataset's declared size against the memory limit before reading it,
//! and names the file and the HDF5 path of anything wrong. Writing goes to a temporary file
//! renamed over the destination ([`lsm_core::write_atomic_with`]).

use anyhow::{anyhow, Context, Result};
use hdf5::types::{FloatSize, TypeDescriptor, VarLenAscii, VarLenUnicode};
use hdf5::{Dataset, Group};
use hdf5_metno as hdf5;
use lsm_core::limits::Limit;
use lsm_reservoir::nir::{
    graph::field_specs, Dense, Field, FieldKind, Meta, MetaValue, NirGraph, NirNode, NodeKind,
    NIR_VERSION,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

/// A float32 as the f64 of its shortest decimal form.
fn f32_as_decimal(x: f32) -> f64 {
    if x.is_finite() {
        x.to_string().parse().unwrap_or(f64::from(x))
    } else {
        f64::from(x)
    }
}

/// Reads with the memory already committed to earlier datasets of the same file.
struct Reader<'a> {
    file: &'a str,
    bytes: f64,
}

impl Reader<'_> {
    fn err(&self, path: &str, msg: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}: HDF5 path `{path}`: {msg}", self.file)
    }

    fn dataset(&self, g: &Group, path: &str, name: &str) -> Result<Dataset> {
        if !g.link_exists(name) {
            return Err(self.err(&format!("{path}/{name}"), "missing"));
        }
        g.dataset(name).map_err(|e| {
            self.err(
                &format!("{path}/{name}"),
                format!("expected a dataset: {e}"),
            )
        })
    }

    fn group(&self, g: &Group, path: &str, name: &str) -> Result<Group> {
        if !g.link_exists(name) {
            return Err(self.err(&format!("{path}/{name}"), "missing"));
        }
        g.group(name)
            .map_err(|e| self.err(&format!("{path}/{name}"), format!("expected a group: {e}")))
    }

    /// Count a dataset's values against the memory limit before it is read.
    fn reserve(&mut self, ds: &Dataset, path: &str) -> Result<()> {
        self.bytes += ds.size() as f64 * 8.0;
        lsm_core::limits::check(
            Limit::MemoryBytes,
            self.bytes,
            format!("{}: HDF5 path `{path}` (the arrays read so far)", self.file),
        )?;
        Ok(())
    }

    fn string(&mut self, ds: &Dataset, path: &str) -> Result<String> {
        self.reserve(ds, path)?;
        let t = ds.dtype().and_then(|t| t.to_descriptor());
        let s = match t {
            Ok(TypeDescriptor::VarLenUnicode) if ds.ndim() == 0 => ds
                .read_scalar::<VarLenUnicode>()
                .map(|s| s.as_str().to_string()),
            Ok(TypeDescriptor::VarLenAscii) if ds.ndim() == 0 => ds
                .read_scalar::<VarLenAscii>()
                .map(|s| s.as_str().to_string()),
            _ => return Err(self.err(path, "expected a string (a scalar variable-length string)")),
        };
        s.map_err(|e| self.err(path, e))
    }

    /// Numbers of any float or integer type, as f64, with the dataset's shape.
    fn numbers(&mut self, ds: &Dataset, path: &str) -> Result<(Vec<usize>, Vec<f64>)> {
        self.reserve(ds, path)?;
        let t = ds
            .dtype()
            .and_then(|t| t.to_descriptor())
            .map_err(|e| self.err(path, e))?;
        let v: Vec<f64> = match t {
            TypeDescriptor::Float(FloatSize::U8) => ds.read_raw::<f64>(),
            // float32 (as torch exports) reads as its shortest decimal: 0.01f32 is 0.01, not
            // 0.009999999776482582.
            TypeDescriptor::Float(_) => ds
                .read_raw::<f32>()
                .map(|v| v.into_iter().map(f32_as_decimal).collect()),
            TypeDescriptor::Integer(_) => ds
                .read_raw::<i64>()
                .map(|v| v.into_iter().map(|x| x as f64).collect()),
            TypeDescriptor::Unsigned(_) => ds
                .read_raw::<u64>()
                .map(|v| v.into_iter().map(|x| x as f64).collect()),
            TypeDescriptor::Boolean => ds
                .read_raw::<bool>()
                .map(|v| v.into_iter().map(|x| f64::from(u8::from(x))).collect()),
            other => return Err(self.err(path, format!("expected numbers, found {other}"))),
        }
        .map_err(|e| self.err(path, e))?;
        Ok((ds.shape(), v))
    }

    fn field(&mut self, g: &Group, path: &str, name: &str, kind: FieldKind) -> Result<Field> {
        let p = format!("{path}/{name}");
        let ds = self.dataset(g, path, name)?;
        let (shape, v) = self.numbers(&ds, &p)?;
        Ok(match (kind, shape.as_slice()) {
            (FieldKind::Vector, [] | [_]) => Field::Vector(v),
            (FieldKind::Shape, [] | [_]) => {
                if let Some(x) = v.iter().find(|x| x.fract() != 0.0 || **x < 0.0) {
                    return Err(
                        self.err(&p, format!("expected a shape (integers >= 0), found {x}"))
                    );
                }
                Field::Shape(v.into_iter().map(|x| x as i64).collect())
            }
            (FieldKind::Matrix, [rows, cols]) => Field::Matrix(Dense {
                rows: *rows,
                cols: *cols,
                data: v,
            }),
            (kind, s) => {
                let want = match kind {
                    FieldKind::Matrix => "2 dimensions",
                    _ => "1 dimension",
                };
                return Err(self.err(&p, format!("shape {s:?}: expected {want}")));
            }
        })
    }

    fn metadata(&mut self, g: &Group, path: &str) -> Result<Meta> {
        let mut meta = Meta::new();
        if !g.link_exists("metadata") {
            return Ok(meta);
        }
        let mg = self.group(g, path, "metadata")?;
        let mp = format!("{path}/metadata");
        for name in mg.member_names().map_err(|e| self.err(&mp, e))? {
            let p = format!("{mp}/{name}");
            // Nested groups and other types are free-form metadata lsm does not use.
            let Ok(ds) = mg.dataset(&name) else { continue };
            let Ok(t) = ds.dtype().and_then(|t| t.to_descriptor()) else {
                continue;
            };
            let value = match t {
                TypeDescriptor::VarLenUnicode | TypeDescriptor::VarLenAscii if ds.ndim() == 0 => {
                    MetaValue::Text(self.string(&ds, &p)?)
                }
                TypeDescriptor::Float(_)
                | TypeDescriptor::Integer(_)
                | TypeDescriptor::Unsigned(_) => match self.numbers(&ds, &p)? {
                    (s, v) if s.is_empty() => MetaValue::Num(v[0]),
                    (s, v) if s.len() == 1 => MetaValue::Nums(v),
                    _ => continue,
                },
                _ => continue,
            };
            meta.insert(name, value);
        }
        Ok(meta)
    }

    fn edges(&mut self, g: &Group, path: &str) -> Result<Vec<(String, String)>> {
        let p = format!("{path}/edges");
        let ds = self.dataset(g, path, "edges")?;
        self.reserve(&ds, &p)?;
        if ds.size() == 0 {
            return Ok(Vec::new());
        }
        let shape = ds.shape();
        if shape.len() != 2 || shape[1] != 2 {
            return Err(self.err(&p, format!("shape {shape:?}: expected (edges, 2)")));
        }
        let t = ds
            .dtype()
            .and_then(|t| t.to_descriptor())
            .map_err(|e| self.err(&p, e))?;
        let names: Vec<String> = match t {
            TypeDescriptor::VarLenUnicode => ds
                .read_raw::<VarLenUnicode>()
                .map(|v| v.iter().map(|s| s.as_str().to_string()).collect()),
            TypeDescriptor::VarLenAscii => ds
                .read_raw::<VarLenAscii>()
                .map(|v| v.iter().map(|s| s.as_str().to_string()).collect()),
            other => return Err(self.err(&p, format!("expected strings, found {other}"))),
        }
        .map_err(|e| self.err(&p, e))?;
        Ok(names
            .chunks(2)
            .map(|c| (c[0].clone(), c[1].clone()))
            .collect())
    }
}

/// Read a NIR file.
///
/// # Errors
/// Not an HDF5 file, a missing or malformed group or dataset (named by its HDF5 path), a
/// limit error when the arrays cost too much memory, or a node whose fields disagree.
pub fn read(path: &Path) -> Result<NirGraph> {
    let file = path.display().to_string();
    lsm_core::check_input_file(path).with_context(|| file.clone())?;
    if !looks_like_hdf5(path) {
        return Err(anyhow!(
            "{file}: not a NIR file: expected an HDF5 file (no HDF5 signature at its start)"
        ));
    }
    let f = hdf5::File::open(path)
        .map_err(|e| anyhow!("{file}: not a readable NIR (HDF5) file: {e}"))?;
    let mut r = Reader {
        file: &file,
        bytes: 0.0,
    };
    let root = r.group(&f, "", "node")?;
    let ty = r.string(&r.dataset(&root, "/node", "type")?, "/node/type")?;
    if ty != "NIRGraph" {
        return Err(r.err("/node/type", format!("expected \"NIRGraph\", found {ty:?}")));
    }
    let mut g = NirGraph {
        edges: r.edges(&root, "/node")?,
        metadata: r.metadata(&root, "/node")?,
        ..NirGraph::default()
    };
    let nodes = r.group(&root, "/node", "nodes")?;
    let names = nodes.member_names().map_err(|e| r.err("/node/nodes", e))?;
    for name in names {
        let p = format!("/node/nodes/{name}");
        let ng = r.group(&nodes, "/node/nodes", &name)?;
        let ty = r.string(&r.dataset(&ng, &p, "type")?, &format!("{p}/type"))?;
        let mut fields = BTreeMap::new();
        for (field, kind, required) in field_specs(&ty).unwrap_or(&[]) {
            if !required && !ng.link_exists(field) {
                continue;
            }
            fields.insert(field.to_string(), r.field(&ng, &p, field, *kind)?);
        }
        let kind = NodeKind::from_fields(&ty, fields, &file, &name)?;
        let metadata = r.metadata(&ng, &p)?;
        g.nodes.push((name, NirNode { kind, metadata }));
    }
    Ok(g)
}

fn h5<'a>(file: &'a str, what: &'a str) -> impl Fn(hdf5::Error) -> std::io::Error + 'a {
    move |e| std::io::Error::other(format!("{file}: writing HDF5 {what}: {e}"))
}

fn write_str(g: &Group, name: &str, s: &str) -> hdf5::Result<()> {
    let v = VarLenUnicode::from_str(s).map_err(|e| hdf5::Error::from(e.to_string()))?;
    g.new_dataset::<VarLenUnicode>()
        .create(name)?
        .write_scalar(&v)
}

fn write_f64(g: &Group, name: &str, shape: &[usize], data: &[f64]) -> hdf5::Result<()> {
    let mut b = g.new_dataset::<f64>().shape(shape.to_vec());
    if data.len() >= 4096 {
        b = b.deflate(4).chunk(chunk_of(shape));
    }
    b.create(name)?.write_raw(data)
}

/// Chunks of about 64k values for compressed matrices.
fn chunk_of(shape: &[usize]) -> Vec<usize> {
    match shape {
        [r, c] => vec![(65536 / (*c).max(1)).clamp(1, (*r).max(1)), (*c).max(1)],
        s => s.iter().map(|x| (*x).clamp(1, 65536)).collect(),
    }
}

fn write_meta(g: &Group, meta: &Meta) -> hdf5::Result<()> {
    if meta.is_empty() {
        return Ok(());
    }
    let mg = g.create_group("metadata")?;
    for (k, v) in meta {
        match v {
            MetaValue::Num(x) => mg
                .new_dataset::<f64>()
                .create(k.as_str())?
                .write_scalar(x)?,
            MetaValue::Nums(v) => write_f64(&mg, k, &[v.len()], v)?,
            MetaValue::Text(s) => write_str(&mg, k, s)?,
        }
    }
    Ok(())
}

fn write_graph(f: &hdf5::File, g: &NirGraph) -> hdf5::Result<()> {
    write_str(f, "version", NIR_VERSION)?;
    let root = f.create_group("node")?;
    write_str(&root, "type", "NIRGraph")?;
    let mut edges = Vec::with_capacity(g.edges.len() * 2);
    for (a, b) in &g.edges {
        for s in [a, b] {
            edges.push(VarLenUnicode::from_str(s).map_err(|e| hdf5::Error::from(e.to_string()))?);
        }
    }
    root.new_dataset::<VarLenUnicode>()
        .shape([g.edges.len(), 2])
        .create("edges")?
        .write_raw(&edges)?;
    write_meta(&root, &g.metadata)?;
    let nodes = root.create_group("nodes")?;
    for (name, node) in &g.nodes {
        let ng = nodes.create_group(name)?;
        write_str(&ng, "type", node.kind.type_name())?;
        for (field, value) in node.kind.fields() {
            match value {
                Field::Vector(v) => write_f64(&ng, field, &[v.len()], &v)?,
                Field::Matrix(m) => write_f64(&ng, field, &[m.rows, m.cols], &m.data)?,
                Field::Shape(s) => ng
                    .new_dataset::<i64>()
                    .shape([s.len()])
                    .create(field)?
                    .write_raw(&s)?,
            }
        }
        write_meta(&ng, &node.metadata)?;
    }
    Ok(())
}

/// Write a NIR file atomically (a temporary file renamed over `path`).
///
/// # Errors
/// An I/O or HDF5 error naming the file.
pub fn write(path: &Path, g: &NirGraph) -> Result<()> {
    let file = path.display().to_string();
    lsm_core::write_atomic_with(path, Some("nir"), |tmp| {
        let f = hdf5::File::create(tmp).map_err(h5(&file, "file"))?;
        write_graph(&f, g).map_err(h5(&file, "graph"))?;
        f.close().map_err(h5(&file, "file"))
    })
    .with_context(|| format!("writing {file}"))?;
    Ok(())
}

/// Whether the file starts with the HDF5 signature (checked before the library opens it, so
/// that a file of another kind gets a plain error).
fn looks_like_hdf5(path: &Path) -> bool {
    use std::io::Read;
    let mut sig = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut sig))
        .is_ok()
        && sig == *b"\x89HDF\r\n\x1a\n"
}
