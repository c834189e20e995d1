//! Reading input files: regular files only, and YAML files of a bounded size, so that a FIFO, a
//! device such as `/dev/zero`, or a huge file given by mistake is refused with one line instead of
//! blocking for ever or exhausting the memory.

use std::io::Read as _;
use std::path::Path;

/// Most bytes a YAML input (device, board, predictor) may hold: far more than any valid one (a
/// quantized predictor with 16-bit input tables is a few megabytes).
pub const MAX_YAML_BYTES: u64 = 256 << 20;

/// Most bytes a training CSV (dataset or sequences) may hold: 4 GiB, about 70 million rows, whose
/// parsed rows fit the memory of a workstation; a larger file is refused before it is read instead
/// of ending the run in an allocation failure.
pub const MAX_CSV_BYTES: u64 = 4 << 30;

/// Read the file at `path` as UTF-8 text. Only a regular file (or a link to one) is read; with
/// `max_bytes`, a larger file is refused before it is read.
///
/// # Errors
/// An [`std::io::Error`] whose message says what is wrong (a directory, not a regular file, too
/// large, not UTF-8, or the system's reason).
pub fn read_text(path: &Path, max_bytes: Option<u64>) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "it is a directory: give the path of a file",
        ));
    }
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "it is not a regular file (a device, FIFO or socket): give the path of a file",
        ));
    }
    if let Some(max) = max_bytes {
        if meta.len() > max {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "it holds {} bytes, more than the {max} an input of this kind may: is it the right file?",
                    meta.len()
                ),
            ));
        }
    }
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path)?;
    match max_bytes {
        // The file may have grown since it was measured.
        Some(max) => file.take(max + 1).read_to_end(&mut bytes)?,
        None => (&file).read_to_end(&mut bytes)?,
    };
    if max_bytes.is_some_and(|max| bytes.len() as u64 > max) {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "it grew past the size an input of this kind may have while being read",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (byte {} is not): is it the right file?",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_of_a_bounded_size_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_text(dir.path(), None).unwrap_err().to_string();
        assert!(e.contains("directory"), "{e}");
        let e = read_text(Path::new("/dev/zero"), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let f = dir.path().join("f");
        std::fs::write(&f, "12345").unwrap();
        assert_eq!(read_text(&f, Some(5)).unwrap(), "12345");
        let e = read_text(&f, Some(4)).unwrap_err().to_string();
        assert!(e.contains("5 bytes"), "{e}");
        std::fs::write(&f, [b'a', 0xff]).unwrap();
        let e = read_text(&f, None).unwrap_err().to_string();
        assert!(e.contains("not UTF-8") && e.contains("byte 1"), "{e}");
    }
}
