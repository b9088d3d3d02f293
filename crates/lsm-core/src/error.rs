//! The error type of lsm-core: one enum for its three concerns (spike trains and their CSV
//! form, output paths checked before any work, strict JSON reading). Each variant names the
//! file or flag concerned.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in lsm-core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    // ---- Spike trains and their CSV form
    /// A CSV line could not be understood.
    #[error("{file}: line {line}: {msg}")]
    Parse {
        /// The file (or a description of the source).
        file: String,
        /// 1-based line number.
        line: usize,
        /// What was wrong and what was expected.
        msg: String,
    },
    /// An event refers to a channel outside `0..n_channels`.
    #[error("spike channel {channel} out of range: expected 0..{n_channels}")]
    ChannelOutOfRange {
        /// The offending channel.
        channel: usize,
        /// Number of channels.
        n_channels: usize,
    },
    /// I/O error.
    #[error("{file}")]
    Io {
        /// The file.
        file: String,
        /// The error.
        source: std::io::Error,
    },
    // ---- Output paths (checked before any work)
    /// The output is one of the inputs.
    #[error(
        "{flag} {}: is the same file as the input {input_flag} {}; refusing to overwrite an \
         input (choose another output path)",
        path.display(), input.display()
    )]
    SameAsInput {
        /// The output's flag (e.g. `--out`).
        flag: String,
        /// The output path.
        path: PathBuf,
        /// The input's flag (e.g. `--network`).
        input_flag: String,
        /// The input path.
        input: PathBuf,
    },
    /// Two outputs are the same file.
    #[error(
        "{flag} {}: is the same file as {other_flag} {}; each output needs its own path",
        path.display(), other.display()
    )]
    SameOutput {
        /// The later output's flag.
        flag: String,
        /// Its path.
        path: PathBuf,
        /// The earlier output's flag.
        other_flag: String,
        /// Its path.
        other: PathBuf,
    },
    /// The output's folder does not exist.
    #[error("{flag} {}: the folder {} does not exist", path.display(), folder.display())]
    MissingFolder {
        /// The output's flag.
        flag: String,
        /// The output path.
        path: PathBuf,
        /// Its folder.
        folder: PathBuf,
    },
    /// The output's folder cannot be written (permissions, read-only file system...).
    #[error("{flag} {}: cannot write in the folder {}", path.display(), folder.display())]
    NotWritable {
        /// The output's flag.
        flag: String,
        /// The output path.
        path: PathBuf,
        /// Its folder.
        folder: PathBuf,
        /// The error creating a file there.
        source: io::Error,
    },
    /// The output is something that is never replaced (a folder, a block device, a socket, a
    /// link loop), or could not be examined.
    #[error("{flag}")]
    Unusable {
        /// The output's flag.
        flag: String,
        /// The reason, naming the path.
        source: io::Error,
    },
    // ---- Strict JSON reading
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
