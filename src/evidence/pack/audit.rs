//! The pack's `audit.jsonl`: the store's audit entries for its reference,
//! another subject's reduced to their number, time and command.

use crate::audit::Entry;

/// `audit.jsonl` for the pack: the store's entries for this reference. An
/// entry about this subject (its `details.subject_key` is `subject_key`,
/// [`crate::evidence::authorisation::Subject::key`]) is copied whole; any
/// other entry under the reference (an earlier attempt that named someone
/// else, or a record that could not be read) is reduced to its sequence
/// number, time and command, with `"subject": "another subject"`, so a pack
/// never carries another person's name or pseudonym.
///
/// # Errors
/// Serialisation errors.
pub fn audit_lines(
    entries: &[Entry],
    reference: &str,
    subject_key: &str,
) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| {
        e.authorisation
            .as_ref()
            .is_some_and(|a| a.reference == reference)
    }) {
        let own = e.details.get("subject_key").and_then(|k| k.as_str()) == Some(subject_key);
        if own {
            out.extend(serde_json::to_vec(e)?);
        } else {
            out.extend(serde_json::to_vec(&serde_json::json!({
                "seq": e.seq,
                "ts": e.ts,
                "command": e.command,
                "subject": "another subject",
            }))?);
        }
        out.push(b'\n');
    }
    Ok(out)
}
