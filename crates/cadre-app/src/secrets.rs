//! Secrets: random tokens, their hashes, constant-time comparison, and the
//! server's access token file in the data dir.
//!
//! The server token lets people and the CLI in when `cadre serve` is bound to a
//! non-loopback address. It is generated once, at the first start that needs it,
//! and kept in `<data dir>/auth_token` with mode 0600 so that only the owner can
//! read it. The file is created atomically (written to a private temporary file,
//! then hard-linked into place, which fails if another server got there first),
//! so a reader never sees half a token and two racing servers agree on one.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{AppError, Result};

/// Name of the server token file in the data dir.
pub const SERVER_TOKEN_FILE: &str = "auth_token";
/// Prefix of the server token, so a leaked one is recognizable.
const SERVER_TOKEN_PREFIX: &str = "cadre_srv_";

/// 32 random bytes from the operating system, as 64 hex digits.
pub fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::internal(format!("the system random generator failed: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The SHA-256 of `secret`, as hex. Tokens are 256 random bits, so a fast hash is
/// enough: there is nothing to brute-force.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `given` equals `expected`, in time independent of where they differ
/// (both are hashed first, so the lengths are equal too).
pub fn secrets_match(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Path of the server token file in `data_dir`.
pub fn server_token_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SERVER_TOKEN_FILE)
}

/// Reads the server token, if the file exists.
pub fn read_server_token(data_dir: &Path) -> Result<Option<String>> {
    let path = server_token_path(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let token = text.trim();
            if token.starts_with(SERVER_TOKEN_PREFIX) && token.len() > SERVER_TOKEN_PREFIX.len() {
                Ok(Some(token.to_owned()))
            } else {
                Err(AppError::internal(format!(
                    "{} does not hold a cadre token: delete it and restart `cadre serve` to generate a new one",
                    path.display()
                )))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AppError::internal(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// The server token, generated and stored on first use. Returns it and whether it
/// was just created (the caller prints a new token once). An existing file readable
/// by others is tightened to 0600.
pub fn load_or_create_server_token(data_dir: &Path) -> Result<(String, bool)> {
    let path = server_token_path(data_dir);
    if let Some(token) = read_server_token(data_dir)? {
        tighten(&path)?;
        return Ok((token, false));
    }
    let token = format!("{SERVER_TOKEN_PREFIX}{}", new_secret()?);
    let tmp = data_dir.join(format!(".{SERVER_TOKEN_FILE}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let io = |what: &str, p: &Path, e: std::io::Error| {
        AppError::internal(format!("cannot {what} {}: {e}", p.display()))
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| io("create", &tmp, e))?;
    file.write_all(format!("{token}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io("write", &tmp, e))?;
    drop(file);
    let linked = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            if let Ok(dir) = std::fs::File::open(data_dir) {
                let _ = dir.sync_all();
            }
            Ok((token, true))
        }
        // Another server created it between our read and our link: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let token = read_server_token(data_dir)?
                .ok_or_else(|| AppError::internal(format!("{} vanished", path.display())))?;
            Ok((token, false))
        }
        Err(e) => Err(io("create", &path, e)),
    }
}

/// Makes the token file readable by its owner only.
fn tighten(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| AppError::internal(format!("cannot inspect {}: {e}", path.display())))?;
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(path = %path.display(), "token file was readable by others; setting mode 0600");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| AppError::internal(format!("cannot restrict {}: {e}", path.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_token_is_created_once_with_mode_0600_and_then_reused() {
        let dir = tempfile::tempdir().expect("dir");
        let (first, created) = load_or_create_server_token(dir.path()).expect("create");
        assert!(created);
        assert!(first.starts_with(SERVER_TOKEN_PREFIX));
        let mode = std::fs::metadata(server_token_path(dir.path()))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let (again, created) = load_or_create_server_token(dir.path()).expect("load");
        assert!(!created);
        assert_eq!(again, first);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from(SERVER_TOKEN_FILE)]);
    }

    #[test]
    fn a_token_file_readable_by_others_is_tightened() {
        let dir = tempfile::tempdir().expect("dir");
        load_or_create_server_token(dir.path()).expect("create");
        let path = server_token_path(dir.path());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        load_or_create_server_token(dir.path()).expect("load");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_garbled_token_file_is_an_error_saying_what_to_do() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(server_token_path(dir.path()), "hello").expect("write");
        let err = read_server_token(dir.path()).expect_err("garbled");
        assert!(err.to_string().contains("delete it"), "{err}");
    }

    #[test]
    fn secrets_are_random_and_compared_exactly() {
        let a = new_secret().expect("a");
        let b = new_secret().expect("b");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(secrets_match(&a, &a.clone()));
        assert!(!secrets_match(&a, &b));
        assert!(!secrets_match(&a, &a[..63]));
        assert_eq!(hash_secret("x").len(), 64);
    }
}
