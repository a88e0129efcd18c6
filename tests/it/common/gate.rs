//! The people of the gate, made at test time with OpenSSH's `ssh-keygen`:
//! a registrar, and an authoriser (staff id S100, Morgan Ellis, Head of HR,
//! who may authorise covert monitoring) registered under the registrar's signature; records
//! signed by them as an authoriser would (`ssh-keygen -Y sign`).

use std::path::{Path, PathBuf};

use super::*;

/// The folder of a store's test keys: `<store>-keys` beside it.
pub fn keys_dir(store: &Path) -> PathBuf {
    let mut name = store.file_name().unwrap().to_os_string();
    name.push("-keys");
    store.with_file_name(name)
}

/// A new Ed25519 key pair `dir/name` (and `name.pub`), no passphrase.
pub fn keygen(dir: &Path, name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let key = dir.join(name);
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen runs (OpenSSH; .ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    key
}

/// Signs `file` with the private key `key` in `namespace`: `file.sig`.
pub fn sign(key: &Path, namespace: &str, file: &Path) -> PathBuf {
    let mut sig = file.as_os_str().to_owned();
    sig.push(".sig");
    let sig = PathBuf::from(sig);
    let _ = std::fs::remove_file(&sig);
    let out = std::process::Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", namespace, "-f"])
        .arg(key)
        .arg(file)
        .output()
        .expect("ssh-keygen runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sig
}

/// The store's id (`store.toml`).
pub fn store_id(store: &Path) -> String {
    let text = std::fs::read_to_string(store.join("store.toml")).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    v["store_id"].as_str().unwrap().to_string()
}

/// A registry change file `dir/name.toml` for the store, number `seq`,
/// with `body` (the `action` and the person's fields).
pub fn change(store: &Path, dir: &Path, name: &str, seq: u64, body: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let text = format!("store_id = \"{}\"\nseq = {seq}\n{body}", store_id(store));
    std::fs::write(&path, text).unwrap();
    path
}

/// The body of an `add` change for `key` (a `.pub` file's path).
pub fn add_body(
    staff_id: &str,
    name: &str,
    role: &str,
    key: &Path,
    covert: bool,
    login: &str,
) -> String {
    let pubkey = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    format!(
        "action = \"add\"\nstaff_id = \"{staff_id}\"\nname = \"{name}\"\nrole = \"{role}\"\nkey = \"{}\"\ncovert = {covert}\nlogin = \"{login}\"\n",
        pubkey.trim()
    )
}

/// Sets up the store's registry once (registrar `registrar`, authoriser
/// `hr` = S100 Morgan Ellis, Head of HR, covert authority, registered as
/// change 1); returns
/// the keys folder.
pub fn registry(store: &Path) -> PathBuf {
    let dir = keys_dir(store);
    if dir.join("hr").exists() {
        return dir;
    }
    let registrar = keygen(&dir, "registrar");
    let hr = keygen(&dir, "hr");
    ok(&[
        &"authorisers",
        &"init",
        &"--store",
        &store,
        &"--registrar",
        &registrar.with_extension("pub"),
    ]);
    let body = add_body("S100", "Morgan Ellis", "Head of HR", &hr, true, "");
    let c = change(store, &dir, "add-hr", 1, &body);
    sign(&registrar, "netusage-registry", &c);
    ok(&[&"authorisers", &"add", &"--store", &store, &c]);
    dir
}

/// Signs the record `record` as the registered authoriser of the store
/// (setting the registry up first, [`registry`]): `record.sig`.
pub fn sign_record(store: &Path, record: &Path) -> PathBuf {
    let dir = registry(store);
    sign(&dir.join("hr"), "netusage-authorisation", record)
}

/// A screening authorisation for the store (`SCR-TEST`, in force from an
/// hour ago for 30 days, [`TIMES`]), signed by its registered authoriser in
/// the `netusage-screening` namespace: the record's path (`.sig` beside it).
pub fn screening(store: &Path) -> PathBuf {
    let dir = registry(store);
    let path = dir.join("screening.toml");
    let text = format!(
        "reference = \"SCR-TEST\"\ngrounds = \"screening\"\nscope = \"all staff, test screening\"\n\
         dpia = \"DPIA-TEST\"\nrequested_by = \"S200\"\nauthorised_at = {}\nexpires = {}\n",
        TIMES.0, TIMES.1
    );
    std::fs::write(&path, text).unwrap();
    sign(&dir.join("hr"), "netusage-screening", &path);
    path
}
