//! The subject of a pack: the accounts the authorisation record resolves
//! to, and their events in the period (only theirs: the minimisation rule
//! of [`super`]).

use std::collections::BTreeSet;

use polars::prelude::{BooleanChunked, DataFrame, IntoColumn, NewChunkedArray, StringChunked};

use crate::event::col;
use crate::evidence::authorisation::Authorisation;
use crate::identity::{Realms, normalise_user, pseudonym};

/// The events of one subject, and who they turned out to be.
#[derive(Debug)]
pub struct SubjectEvents {
    /// Every column of the subject's events in the period, in time order.
    pub events: DataFrame,
    /// The accounts the record resolved to: normalised user names, and
    /// `ip:<addr>` for the addresses it names.
    pub users: BTreeSet<String>,
    /// The pseudonym reported for the subject (the record's, else the first account's).
    pub pseudonym: String,
    /// The label the analysis uses for the subject (the first account).
    pub label: String,
}

/// Resolves the record's subject to accounts and reads their events with
/// `read` (every column, the period's rows, only those accounts: the store
/// prunes the read to them). `period_users` gives every account with events
/// in the period; it is called only when the record names a pseudonym, to
/// find the account behind it. One pack is one person: when the
/// users, the pseudonym and the addresses resolve to more than one account,
/// the record must list every account (`users`, `ips`) and say why they are
/// one person (`same_person`).
///
/// Returns the subject, or every problem found (a refusal). A problem never
/// names the account behind a pseudonym: that is what the gate protects.
///
/// # Errors
/// Polars errors.
pub fn subject_events(
    a: &Authorisation,
    key: &[u8],
    realms: &Realms,
    period_users: &dyn Fn() -> anyhow::Result<BTreeSet<String>>,
    read: &dyn Fn(&BTreeSet<String>) -> anyhow::Result<DataFrame>,
) -> anyhow::Result<Result<SubjectEvents, Vec<String>>> {
    let named: BTreeSet<String> = a
        .subject
        .users
        .iter()
        .filter(|u| !u.trim().is_empty())
        .map(|u| normalise_user(Some(u.trim()), "", realms).into_owned())
        .collect();
    let ip_accounts: BTreeSet<String> = a
        .subject
        .ips
        .iter()
        .filter(|i| !i.trim().is_empty())
        .map(|i| format!("ip:{}", i.trim()))
        .collect();
    let mut problems = Vec::new();
    let mut behind_pseudonym = None;
    if let Some(p) = &a.subject.pseudonym {
        behind_pseudonym = period_users()?
            .into_iter()
            .find(|u| &pseudonym(key, u) == p);
        if behind_pseudonym.is_none() {
            problems.push(format!(
                "the pseudonym {p} matches no account with events in the period {} to {}",
                a.period.from, a.period.to
            ));
        }
    }
    let mut accounts: BTreeSet<String> = named.union(&ip_accounts).cloned().collect();
    if let Some(u) = &behind_pseudonym {
        accounts.insert(u.clone());
    }
    if accounts.len() > 1 {
        let described: Vec<String> = accounts
            .iter()
            .map(|acc| {
                if named.contains(acc) {
                    format!("{acc} (users)")
                } else if ip_accounts.contains(acc) {
                    format!("{acc} (ips)")
                } else {
                    format!(
                        "the account behind {} (pseudonym)",
                        a.subject.pseudonym.as_deref().unwrap_or("")
                    )
                }
            })
            .collect();
        if a.subject.same_person.trim().is_empty() {
            problems.push(format!(
                "the subject resolves to {} accounts: {}. One pack is one person: if these accounts are one \
                 person's, list every account in `users` and `ips` and give `same_person = \"<why>\"` in [subject]",
                accounts.len(),
                described.join(", ")
            ));
        } else if behind_pseudonym
            .as_ref()
            .is_some_and(|u| !named.contains(u))
        {
            problems.push(format!(
                "the pseudonym {} is an account that `users` does not list: with `same_person`, every account must be listed by name",
                a.subject.pseudonym.as_deref().unwrap_or("")
            ));
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let events = read(&accounts)?;
    if events.height() == 0 {
        return Ok(Err(vec![format!(
            "the subject ({}) matches no event in the store between {} and {}",
            describe_subject(a),
            a.period.from,
            a.period.to
        )]));
    }
    // Time order, then where each event came from: the same pack whatever
    // order the store holds the rows in.
    let events = events.sort([col::TS, col::SOURCE, col::LINE], Default::default())?;
    let label = behind_pseudonym
        .clone()
        .or_else(|| accounts.iter().next().cloned())
        .unwrap_or_default();
    Ok(Ok(SubjectEvents {
        pseudonym: a
            .subject
            .pseudonym
            .clone()
            .unwrap_or_else(|| pseudonym(key, &label)),
        events,
        users: accounts,
        label,
    }))
}

/// The subject in words: `users alice, bob; pseudonym u-…; addresses 10.0.0.5`.
pub fn describe_subject(a: &Authorisation) -> String {
    let mut parts = Vec::new();
    let users: Vec<&str> = a
        .subject
        .users
        .iter()
        .map(|u| u.trim())
        .filter(|u| !u.is_empty())
        .collect();
    if !users.is_empty() {
        parts.push(format!("users {}", users.join(", ")));
    }
    if let Some(p) = &a.subject.pseudonym {
        parts.push(format!("pseudonym {p}"));
    }
    let ips: Vec<&str> = a
        .subject
        .ips
        .iter()
        .map(|i| i.trim())
        .filter(|i| !i.is_empty())
        .collect();
    if !ips.is_empty() {
        parts.push(format!("addresses {}", ips.join(", ")));
    }
    parts.join("; ")
}

/// The column [`crate::enrich::Enricher::apply`] adds.
pub const ATTRIBUTION: &str = crate::event::col::ATTRIBUTION;

/// Reads a subject's events with attribution: `read` is given the accounts
/// and the addresses the named accounts held in `[from_ms, to_ms)` (their
/// events logged with only an address are stored under it); the rows kept
/// are those stored under one of the subject's own addresses (`ip:` accounts,
/// whoever the identity sources say held it) and those attributed to one of
/// its named accounts. Adds the `attribution` column (see
/// [`crate::enrich::Enricher::apply`]).
///
/// # Errors
/// As `read`; Polars errors.
pub fn read_attributed(
    accounts: &BTreeSet<String>,
    enricher: &crate::enrich::Enricher,
    read: impl Fn(&BTreeSet<String>) -> anyhow::Result<DataFrame>,
    from_ms: i64,
    to_ms: i64,
) -> anyhow::Result<DataFrame> {
    let named: BTreeSet<String> = accounts
        .iter()
        .filter(|a| !a.starts_with("ip:"))
        .cloned()
        .collect();
    let mut wanted = accounts.clone();
    wanted.extend(enricher.attributor().addresses_of(&named, from_ms, to_ms));
    let mut df = read(&wanted)?;
    let users = df.column(col::USER)?.str()?.clone();
    let logged = df.column(col::USER_LOGGED)?.bool()?.clone();
    // An address named in the record stands for the events logged with only
    // that address (the store's mark), never for a logged name that reads
    // `ip:…`.
    let own_address: BooleanChunked = users
        .iter()
        .zip(logged.iter())
        .map(|(u, l)| l == Some(false) && u.is_some_and(|u| accounts.contains(u)))
        .collect();
    enricher.apply(&mut df, true)?;
    let theirs: BooleanChunked = df
        .column(col::USER)?
        .str()?
        .iter()
        .map(|u| u.is_some_and(|u| named.contains(u)))
        .collect();
    Ok(df.filter(&(own_address | theirs))?)
}

/// The subject's events with every user relabelled to the subject's label,
/// so several accounts of one person count as one (union of their sessions).
pub fn as_one_person(s: &SubjectEvents) -> anyhow::Result<DataFrame> {
    let mut df = s.events.clone();
    let n = df.height();
    df.replace(
        col::USER,
        StringChunked::from_iter_values(col::USER.into(), std::iter::repeat_n(s.label.as_str(), n))
            .into_column(),
    )?;
    Ok(df)
}
