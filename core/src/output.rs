//! Output files and directories written atomically and checked before the work.
//!
//! [`AtomicFile::create`] and [`AtomicDir::create`] check the output path at once (its directory
//! exists and is writable; the path is not a device, a directory where a file is expected, or a
//! symbolic link) and open a temporary beside it, `.NAME.tmpPID`; the work writes into the
//! temporary, and `commit` renames it into place. A temporary that is dropped uncommitted (an
//! error) is removed, and [`remove_temps`] removes every live one (for a signal handler), so a
//! failed or interrupted command never leaves a partial or stray file.

use crate::CoreError;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The temporaries alive now, for [`remove_temps`].
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temps() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn unregister(list: &mut Vec<PathBuf>, p: &Path) {
    list.retain(|q| q != p);
}

/// Remove every temporary output alive now, and keep the registry locked so that no output is
/// committed afterwards: for a signal handler that then exits.
pub fn remove_temps() {
    let list = temps();
    for p in list.iter() {
        if p.is_dir() {
            let _ = std::fs::remove_dir_all(p);
        } else {
            let _ = std::fs::remove_file(p);
        }
    }
    // Then the directories made for an output directory's missing parents, deepest first
    // (only if empty).
    let created = CREATED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for d in created.iter() {
        let _ = std::fs::remove_dir(d);
    }
    std::mem::forget(created);
    std::mem::forget(list);
}

/// Have [`remove_temps`] (a signal) remove `path`, a file this command created and has not yet
/// written anything worth keeping into (a results file with only its header), until
/// [`keep_on_signal`].
pub fn remove_on_signal(path: &Path) {
    temps().push(path.to_path_buf());
}

/// Keep `path` after all: it now holds what an interrupted run must not lose.
pub fn keep_on_signal(path: &Path) {
    unregister(&mut temps(), path);
}

/// Process groups of external tools running for this command (each its own group, led by the
/// process spawned), for the signal handler to stop before it removes the outputs they write.
static CHILD_GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn child_groups_locked() -> MutexGuard<'static, Vec<u32>> {
    CHILD_GROUPS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Register the process group `pgid` of a running tool (spawned with
/// `CommandExt::process_group(0)`), until [`child_group_done`].
pub fn child_group_started(pgid: u32) {
    child_groups_locked().push(pgid);
}

/// The tool's group `pgid` has exited.
pub fn child_group_done(pgid: u32) {
    child_groups_locked().retain(|&g| g != pgid);
}

/// The process groups of the tools running now (for a signal handler, which kills them), kept
/// locked so that no more start.
pub fn child_groups() -> Vec<u32> {
    let g = child_groups_locked();
    let v = g.clone();
    std::mem::forget(g);
    v
}

/// Missing parents created by live [`AtomicDir`]s, deepest first. Locked after [`TEMPS`].
static CREATED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn set_created(dirs: &[PathBuf], on: bool) {
    let mut c = CREATED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    c.retain(|d| !dirs.contains(d));
    if on {
        c.extend(dirs.iter().cloned());
    }
}

/// One-line message for an I/O error writing `path`, with the fix.
pub fn io_message(e: &std::io::Error) -> String {
    // EFBIG: the process's file-size limit (or the file system's) was reached.
    const EFBIG: i32 = 27;
    match e.kind() {
        std::io::ErrorKind::StorageFull => {
            "no space left on the device: free some space or write elsewhere".into()
        }
        std::io::ErrorKind::PermissionDenied => format!(
            "{}: choose a directory you can write to, or fix its permissions",
            e.kind()
        ),
        _ if e.raw_os_error() == Some(EFBIG) => {
            "file too large: the file-size limit (`ulimit -f`) was reached; raise it or write \
             less"
                .into()
        }
        std::io::ErrorKind::NotFound => {
            "No such file or directory: create its folder (mkdir -p) or write elsewhere".into()
        }
        _ if e.raw_os_error() == Some(ENOTDIR) => {
            "Not a directory (a part of the path is a file, not a folder): write elsewhere".into()
        }
        _ => e.to_string(),
    }
}

/// ENOTDIR: a component of the path is not a directory.
const ENOTDIR: i32 = 20;

/// One-line message for an I/O error reading a file, with the fix.
pub fn read_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory: check the path".into(),
        std::io::ErrorKind::PermissionDenied => {
            "permission denied: fix its permissions or read a copy".into()
        }
        _ if e.raw_os_error() == Some(ENOTDIR) => {
            "Not a directory (a part of the path is a file, not a folder): check the path".into()
        }
        _ => e.to_string(),
    }
}

/// The error of a failed write of `path`.
pub fn write_error(path: &Path, e: &std::io::Error) -> CoreError {
    write_err(path, io_message(e))
}

fn write_err(path: &Path, message: impl Into<String>) -> CoreError {
    CoreError::Write {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// The directory an output at `path` goes into (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Refuse an existing `path` that is not of the kind ouro replaces: a regular file (`dir`
/// false) or a directory (`dir` true). Symbolic links are refused either way.
fn check_existing(path: &Path, dir: bool) -> Result<(), CoreError> {
    let m = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(write_err(path, io_message(&e))),
    };
    let t = m.file_type();
    let refuse = |what: &str, fix: &str| Err(write_err(path, format!("it is {what}: {fix}")));
    if t.is_symlink() {
        return refuse(
            "a symbolic link",
            "ouro does not replace links; remove it or give the real path",
        );
    }
    if dir {
        if !t.is_dir() {
            return refuse(
                "not a directory",
                "give a directory path (it is created if missing)",
            );
        }
    } else if t.is_dir() {
        return refuse(
            "a directory",
            "give a file path, e.g. inside that directory",
        );
    } else if !t.is_file() {
        return refuse(
            "not a regular file (a device, pipe or socket)",
            "give the path of a regular file; ouro replaces only regular files",
        );
    }
    Ok(())
}

/// The directory an output goes into must exist and be a directory.
fn check_parent(path: &Path) -> Result<PathBuf, CoreError> {
    let dir = parent_of(path);
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => Ok(dir),
        Ok(_) => Err(write_err(
            path,
            format!("{} is not a directory: fix the path", dir.display()),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(write_err(
            path,
            format!(
                "directory {} does not exist: create it first (mkdir -p {})",
                dir.display(),
                dir.display()
            ),
        )),
        Err(e) => Err(write_err(path, io_message(&e))),
    }
}

fn temp_beside(path: &Path, dir: &Path) -> Result<PathBuf, CoreError> {
    let Some(name) = path.file_name() else {
        return Err(write_err(path, "the path names no file: give a file name"));
    };
    Ok(dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    )))
}

/// An output file being written: a temporary beside the target until [`commit`](Self::commit).
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Check `path` and open its temporary: call this before the work, so that a bad path
    /// fails at once.
    ///
    /// # Errors
    /// [`CoreError::Write`] naming the path, the problem and the fix.
    pub fn create(path: &Path) -> Result<Self, CoreError> {
        check_existing(path, false)?;
        let dir = check_parent(path)?;
        let tmp = temp_beside(path, &dir)?;
        let mut list = temps();
        // A leftover of an earlier process with the same id is ours to replace.
        let _ = std::fs::remove_file(&tmp);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    write_err(
                        path,
                        format!(
                            "directory {} is not writable: choose one you can write to, or fix \
                             its permissions",
                            dir.display()
                        ),
                    )
                } else {
                    write_err(path, io_message(&e))
                }
            })?;
        list.push(tmp.clone());
        Ok(Self {
            path: path.to_path_buf(),
            tmp,
            out: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The target path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where to write the contents.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.out.as_mut().expect("open until committed")
    }

    /// The error of a failed write to this output.
    pub fn error(&self, e: &std::io::Error) -> CoreError {
        write_err(&self.path, io_message(e))
    }

    /// Write all of `text`.
    ///
    /// # Errors
    /// [`CoreError::Write`].
    pub fn write_all(&mut self, text: &[u8]) -> Result<(), CoreError> {
        let r = self.writer().write_all(text);
        r.map_err(|e| self.error(&e))
    }

    /// Flush the contents and rename the temporary onto the target.
    ///
    /// # Errors
    /// [`CoreError::Write`]; the temporary is removed.
    pub fn commit(mut self) -> Result<(), CoreError> {
        let out = self.out.take().expect("open until committed");
        let file = out.into_inner().map_err(|e| self.error(e.error()))?;
        file.sync_all().map_err(|e| self.error(&e))?;
        drop(file);
        check_existing(&self.path, false)?;
        let mut list = temps();
        std::fs::rename(&self.tmp, &self.path).map_err(|e| self.error(&e))?;
        unregister(&mut list, &self.tmp);
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        let mut list = temps();
        if list.contains(&self.tmp) {
            self.out = None;
            let _ = std::fs::remove_file(&self.tmp);
            unregister(&mut list, &self.tmp);
        }
    }
}

/// A set of output files in one directory, written into a temporary directory beside it until
/// [`commit`](Self::commit).
#[derive(Debug)]
pub struct AtomicDir {
    target: PathBuf,
    tmp: PathBuf,
    /// Missing ancestors created for the target, deepest first: removed again on failure.
    created: Vec<PathBuf>,
    done: bool,
}

impl AtomicDir {
    /// Check `target` (a directory or nothing), create its missing parents, and create the
    /// temporary directory: call this before the work.
    ///
    /// # Errors
    /// [`CoreError::Write`] naming the path, the problem and the fix.
    pub fn create(target: &Path) -> Result<Self, CoreError> {
        check_existing(target, true)?;
        let parent = parent_of(target);
        let mut created = Vec::new();
        let mut p = parent.as_path();
        while std::fs::symlink_metadata(p).is_err() {
            created.push(p.to_path_buf());
            match p.parent().filter(|q| !q.as_os_str().is_empty()) {
                Some(q) => p = q,
                None => break,
            }
        }
        let mut me = Self {
            target: target.to_path_buf(),
            tmp: PathBuf::new(),
            created,
            done: false,
        };
        let mut list = temps();
        set_created(&me.created, true);
        std::fs::create_dir_all(&parent).map_err(|e| write_err(target, io_message(&e)))?;
        let tmp = temp_beside(target, &parent)?;
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir(&tmp).map_err(|e| {
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                write_err(
                    target,
                    format!(
                        "directory {} is not writable: choose one you can write to, or fix its \
                         permissions",
                        parent.display()
                    ),
                )
            } else {
                write_err(target, io_message(&e))
            }
        })?;
        list.push(tmp.clone());
        me.tmp = tmp;
        Ok(me)
    }

    /// The temporary directory to write the files into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Move the files into place: the whole directory when the target is missing or empty,
    /// else file by file (each rename atomic), removing the files named in `stale` that this
    /// run did not write (files of an earlier run that no longer belong). Returns the target's
    /// files, sorted.
    ///
    /// # Errors
    /// [`CoreError::Write`]; the temporary is removed.
    pub fn commit(mut self, stale: &[&str]) -> Result<Vec<PathBuf>, CoreError> {
        check_existing(&self.target, true)?;
        let err = |e: std::io::Error| write_err(&self.target, io_message(&e));
        let mut names: Vec<_> = std::fs::read_dir(&self.tmp)
            .and_then(|d| d.map(|e| e.map(|e| e.file_name())).collect())
            .map_err(err)?;
        names.sort();
        let mut list = temps();
        if std::fs::rename(&self.tmp, &self.target).is_err() {
            // The target holds files: replace ours one by one.
            for n in &names {
                let to = self.target.join(n);
                check_existing(&to, false)?;
                std::fs::rename(self.tmp.join(n), &to).map_err(err)?;
            }
            for s in stale {
                let p = self.target.join(s);
                if !names.iter().any(|n| n == *s)
                    && std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file())
                {
                    std::fs::remove_file(&p).map_err(err)?;
                }
            }
            let _ = std::fs::remove_dir(&self.tmp);
        }
        unregister(&mut list, &self.tmp);
        set_created(&self.created, false);
        self.done = true;
        Ok(names.iter().map(|n| self.target.join(n)).collect())
    }
}

impl Drop for AtomicDir {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut list = temps();
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.tmp);
            unregister(&mut list, &self.tmp);
        }
        for d in &self.created {
            let _ = std::fs::remove_dir(d);
        }
        set_created(&self.created, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn missing_folders_and_files_name_the_fix() {
        let e = AtomicFile::create(Path::new("/nonexistent-ouro-dir/x.csv"));
        let m = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(m.contains("/nonexistent-ouro-dir"), "{m}");
        let nf = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert!(io_message(&nf).contains("mkdir -p"));
        assert!(read_message(&nf).contains("check the path"));
        let notdir = std::io::Error::from_raw_os_error(ENOTDIR);
        assert!(io_message(&notdir).contains("not a folder"));
        let r = crate::CoreError::Read {
            path: "in.csv".into(),
            source: nf,
        };
        assert_eq!(
            r.to_string(),
            "cannot read in.csv: No such file or directory: check the path"
        );
    }

    #[test]
    fn a_file_appears_only_on_commit_and_nothing_stays_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"hello").unwrap();
        assert!(!p.exists());
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "hello");
        let f = AtomicFile::create(&p).unwrap();
        drop(f);
        assert_eq!(listing(dir.path()), ["a.txt"]);
        // Refused up front: a directory, a missing directory, a link, a device.
        let e = AtomicFile::create(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let e = AtomicFile::create(&dir.path().join("no/x.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist: create it first"), "{e}");
        std::os::unix::fs::symlink(&p, dir.path().join("l")).unwrap();
        let e = AtomicFile::create(&dir.path().join("l"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("symbolic link"), "{e}");
        let e = AtomicFile::create(Path::new("/dev/null"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }

    #[test]
    fn a_directory_replaces_its_files_and_drops_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("x/y/gw");
        let d = AtomicDir::create(&t).unwrap();
        std::fs::write(d.path().join("a"), "1").unwrap();
        std::fs::write(d.path().join("b"), "1").unwrap();
        d.commit(&["a", "b"]).unwrap();
        assert_eq!(listing(&t), ["a", "b"]);
        std::fs::write(t.join("mine"), "keep").unwrap();
        let d = AtomicDir::create(&t).unwrap();
        std::fs::write(d.path().join("a"), "2").unwrap();
        let files = d.commit(&["a", "b"]).unwrap();
        assert_eq!(files, [t.join("a")]);
        assert_eq!(listing(&t), ["a", "mine"]);
        assert_eq!(std::fs::read_to_string(t.join("a")).unwrap(), "2");
        assert_eq!(listing(t.parent().unwrap()), ["gw"]);
        // Dropped: nothing stays, not even the parents it created.
        let d = AtomicDir::create(&dir.path().join("p/q/gw")).unwrap();
        std::fs::write(d.path().join("a"), "1").unwrap();
        drop(d);
        assert_eq!(listing(dir.path()), ["x"]);
    }
}
