//! Strict JSON reading for every file lsm loads: duplicate keys are refused anywhere in the
//! document (serde_json silently keeps the last one), and a config or a network file must be a
//! JSON object at the top (`[]`, `null` or a number is not a whole config; `{}` is, and means
//! every default where a format documents defaults).
//!
//! * [`check_strict`]: syntax and duplicate keys, returns the kind of the top-level value;
//! * [`parse_strict`]: the same, then the document as a [`serde_json::Value`];
//! * [`parse_object`]: as [`parse_strict`], and the top level must be an object;
//! * [`from_object_slice`]: a whole config or file of type `T`, whose top level must be an
//!   object; serde's own errors (unknown fields, wrong types) keep their line and column.
//!
//! Nesting is bounded by serde_json's recursion limit (128), so a hostile file cannot overflow
//! the stack; the duplicate check keeps one set of keys per open object and builds nothing else.
//!
//! ```
//! use lsm_core::json::{from_object_slice, parse_strict};
//! #[derive(serde::Deserialize, Debug)]
//! struct Cfg { a: u32 }
//! let c: Cfg = from_object_slice(br#"{"a": 1}"#, "cfg.json")?;
//! assert_eq!(c.a, 1);
//! let e = parse_strict(br#"{"x": {"a": 1, "a": 2}}"#, "cfg.json").unwrap_err().to_string();
//! assert!(e.contains("cfg.json") && e.contains("duplicate key `a`") && e.contains("x"), "{e}");
//! let e = from_object_slice::<Cfg>(b"[]", "cfg.json").unwrap_err().to_string();
//! assert!(e.contains("expected a JSON object") && e.contains("array"), "{e}");
//! # Ok::<(), lsm_core::json::JsonError>(())
//! ```

use serde::de::{DeserializeOwned, DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

/// Errors of strict JSON reading; each names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// Not valid JSON (the message has the line and column).
    #[error("{file}: not valid JSON")]
    Syntax {
        /// The file.
        file: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A key appears twice in one object.
    #[error(
        "{file}: duplicate key `{key}` in {}, line {line}, column {column}: each key may appear only once",
        if path.is_empty() { "the top-level object".to_string() } else { format!("object `{path}`") }
    )]
    DuplicateKey {
        /// The file.
        file: String,
        /// The repeated key.
        key: String,
        /// The dotted path of the object holding it (empty at the top level).
        path: String,
        /// Line of the second occurrence.
        line: usize,
        /// Column of the second occurrence.
        column: usize,
    },
    /// The top-level value is not an object.
    #[error("{file}: expected a JSON object {{...}} at the top level, found {found}")]
    NotObject {
        /// The file.
        file: String,
        /// What was found: `an array`, `null`, `a number`...
        found: &'static str,
    },
    /// Valid JSON that does not deserialize into the expected type.
    #[error("{file}")]
    Invalid {
        /// The file.
        file: String,
        /// serde's error (names the field, the line and the column).
        #[source]
        source: serde_json::Error,
    },
}

/// The kind of a JSON value, as named in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `{...}`.
    Object,
    /// `[...]`.
    Array,
    /// A string.
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

impl Kind {
    fn described(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Null => "null",
        }
    }
}

/// A path segment, linked to its parent; formatted only on error.
#[derive(Clone, Copy)]
enum Seg<'a> {
    Root,
    Key(&'a Seg<'a>, &'a str),
    Index(&'a Seg<'a>, usize),
}

impl fmt::Display for Seg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seg::Root => Ok(()),
            Seg::Key(p, k) => {
                if matches!(p, Seg::Root) {
                    write!(f, "{k}")
                } else {
                    write!(f, "{p}.{k}")
                }
            }
            Seg::Index(p, i) => write!(f, "{p}[{i}]"),
        }
    }
}

/// The duplicate check: visits every value, builds nothing but one key set per open object.
struct Check<'a> {
    at: Seg<'a>,
    dup: &'a RefCell<Option<(String, String)>>,
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = Kind;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = Kind;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Kind, E> {
        Ok(Kind::Bool)
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Kind, E> {
        Ok(Kind::Number)
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Kind, E> {
        Ok(Kind::Number)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Kind, E> {
        Ok(Kind::Number)
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Kind, E> {
        Ok(Kind::String)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut i = 0;
        loop {
            let child = Check {
                at: Seg::Index(&self.at, i),
                dup: self.dup,
            };
            if seq.next_element_seed(child)?.is_none() {
                return Ok(Kind::Array);
            }
            i += 1;
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut keys = HashSet::new();
        while let Some(k) = map.next_key::<String>()? {
            if keys.contains(&k) {
                *self.dup.borrow_mut() = Some((k.clone(), self.at.to_string()));
                return Err(A::Error::custom(format!("duplicate key `{k}`")));
            }
            let child = Check {
                at: Seg::Key(&self.at, &k),
                dup: self.dup,
            };
            map.next_value_seed(child)?;
            keys.insert(k);
        }
        Ok(Kind::Object)
    }
}

/// Check syntax and duplicate keys of a whole document; returns the kind of its top-level
/// value. `file` names the source in errors.
///
/// # Errors
/// [`JsonError::Syntax`] or [`JsonError::DuplicateKey`].
pub fn check_strict(bytes: &[u8], file: &str) -> Result<Kind, JsonError> {
    let dup = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let r = Check {
        at: Seg::Root,
        dup: &dup,
    }
    .deserialize(&mut de)
    .and_then(|k| de.end().map(|_| k));
    r.map_err(|source| match dup.into_inner() {
        Some((key, path)) => JsonError::DuplicateKey {
            file: file.to_string(),
            key,
            path,
            line: source.line(),
            column: source.column(),
        },
        None => JsonError::Syntax {
            file: file.to_string(),
            source,
        },
    })
}

/// Parse a whole document strictly (see [`check_strict`]) into a [`serde_json::Value`].
///
/// # Errors
/// As [`check_strict`].
pub fn parse_strict(bytes: &[u8], file: &str) -> Result<serde_json::Value, JsonError> {
    check_strict(bytes, file)?;
    serde_json::from_slice(bytes).map_err(|source| JsonError::Syntax {
        file: file.to_string(),
        source,
    })
}

/// Parse a whole document strictly ([`check_strict`]) whose top level must be an object.
///
/// # Errors
/// As [`check_strict`], or [`JsonError::NotObject`].
pub fn parse_object(bytes: &[u8], file: &str) -> Result<serde_json::Value, JsonError> {
    require_object(check_strict(bytes, file)?, file)?;
    serde_json::from_slice(bytes).map_err(|source| JsonError::Syntax {
        file: file.to_string(),
        source,
    })
}

/// Read a whole config or file of type `T`: strict JSON ([`check_strict`]) whose top level is
/// an object, then serde (whose errors keep their line and column).
///
/// # Errors
/// As [`check_strict`], [`JsonError::NotObject`], or [`JsonError::Invalid`].
pub fn from_object_slice<T: DeserializeOwned>(bytes: &[u8], file: &str) -> Result<T, JsonError> {
    require_object(check_strict(bytes, file)?, file)?;
    serde_json::from_slice(bytes).map_err(|source| JsonError::Invalid {
        file: file.to_string(),
        source,
    })
}

/// [`JsonError::NotObject`] unless `kind` is [`Kind::Object`].
///
/// # Errors
/// As described.
pub fn require_object(kind: Kind, file: &str) -> Result<(), JsonError> {
    if kind == Kind::Object {
        Ok(())
    } else {
        Err(JsonError::NotObject {
            file: file.to_string(),
            found: kind.described(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_found_at_any_depth_with_their_path() {
        let cases: [(&str, &str, &str); 4] = [
            (r#"{"a": 1, "a": 1}"#, "a", ""),
            (r#"{"x": [{"b": 1}, {"b": 2, "b": 3}]}"#, "b", "x[1]"),
            (r#"{"x": {"y": {"z": 1, "w": 2, "z": 1}}}"#, "z", "x.y"),
            (r#"[[], {"k": null, "k": null}]"#, "k", "[1]"),
        ];
        for (text, key, path) in cases {
            match check_strict(text.as_bytes(), "f.json") {
                Err(JsonError::DuplicateKey {
                    key: k,
                    path: p,
                    line,
                    ..
                }) => {
                    assert_eq!((k.as_str(), p.as_str(), line), (key, path, 1), "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        // The same key in sibling objects is fine.
        assert_eq!(
            check_strict(br#"{"a": {"k": 1}, "b": {"k": 1}}"#, "f").unwrap(),
            Kind::Object
        );
    }

    #[test]
    fn top_level_kinds_and_syntax_errors() {
        for (text, kind) in [
            ("{}", Kind::Object),
            ("[]", Kind::Array),
            ("null", Kind::Null),
            ("3.5", Kind::Number),
            ("\"s\"", Kind::String),
            ("true", Kind::Bool),
        ] {
            assert_eq!(check_strict(text.as_bytes(), "f").unwrap(), kind, "{text}");
        }
        for text in ["", "{", "{} {}", "{\"a\": }", "\u{feff}{}"] {
            let e = check_strict(text.as_bytes(), "bad.json").unwrap_err();
            assert!(matches!(e, JsonError::Syntax { .. }), "{text}: {e:?}");
            assert!(e.to_string().starts_with("bad.json: not valid JSON"), "{e}");
        }
        // Deep nesting is an error, not a stack overflow.
        let deep = "[".repeat(100_000);
        assert!(check_strict(deep.as_bytes(), "f").is_err());
    }

    #[test]
    fn from_object_slice_refuses_non_objects_and_keeps_serde_positions() {
        #[derive(serde::Deserialize, Debug, Default)]
        #[serde(default, deny_unknown_fields)]
        struct Cfg {
            #[allow(dead_code)]
            a: u32,
        }
        for text in ["[]", "null", "1", "[1]"] {
            let e = from_object_slice::<Cfg>(text.as_bytes(), "c.json").unwrap_err();
            assert!(matches!(e, JsonError::NotObject { .. }), "{text}: {e:?}");
        }
        assert!(from_object_slice::<Cfg>(b"{}", "c.json").is_ok());
        let e =
            crate::error_chain(&from_object_slice::<Cfg>(b"{\n \"b\": 1}", "c.json").unwrap_err());
        assert!(
            e.contains("c.json") && e.contains("`b`") && e.contains("line 2"),
            "{e}"
        );
    }
}
