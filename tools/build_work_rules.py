#!/usr/bin/env python3
"""Builds data/v2fly-work-rules.tsv: the work and reference categories
(search, technology, reference, finance, infrastructure, advertising,
organisations) from v2fly domain-list-community (MIT).

Run from the project root with the `data` folder of domain-list-community
@ c975ccef9c19f005a3bfa7a33255d1b406deea64:

    python3 tools/build_work_rules.py PATH/TO/domain-list-community/data

Unlike tools/build_rules.py this follows the list syntax whole
(README "Structure of data"): `include:x @a @-b` takes only x's rules that
have attribute a and lack b; `&target` affiliations add a rule to the target
list too; `keyword:` and `regexp:` rules are not used.

Each row keeps its source: the sixth column names the v2fly list the rule
was read from and the list that gave its category (`github < category-dev`).
The first list below that holds a pattern decides its category. The tier is
read after every other bundled tier (crates/formats/src/classify/mod.rs), so
a rule here never changes a host those tiers already place.
"""
import os, re, sys
from collections import defaultdict

V2 = sys.argv[1] if len(sys.argv) > 1 else 'domain-list-community/data'
OUT = 'crates/formats/data/v2fly-work-rules.tsv'

# Company lists that are not technology vendors, or whose own entries include
# leisure services (left to the leisure tiers or to data/netusage-sites.tsv).
NOT_TECH = {'meta', 'mindgeek', 'louisvuitton', 'uber', 'spacex', 'theboringcompany',
            'neuralink', 'yahoo', 'yandex', 'naver', 'qwant', 'kakao', 'mailru-group',
            'snap', 'plex', 'musixmatch', 'duolingo', 'chegg', 'headhunter', 'giffgaff',
            'amazon', 'alphabet', 'sony', 'ibkr', 'intuit', 'inshot', 'openweather',
            'hubblephone', 'blurams', 'genotek-ru'}

# (list, category, how): 'all' follows includes; 'direct' reads the list's own
# rules only; 'country-sites' only its google.<country> rules; 'members' reads the own rules of each list it includes (minus NOT_TECH).
SOURCES = [
    ('category-ads-all', 'advertising', 'all'),
    ('category-cdn-!cn', 'infrastructure', 'all'),
    ('category-urlshortner', 'infrastructure', 'all'),
    ('category-ddns', 'infrastructure', 'all'),
    ('category-doh', 'infrastructure', 'all'),
    ('category-ntp', 'infrastructure', 'all'),
    ('category-stun', 'infrastructure', 'all'),
    ('category-speedtest', 'infrastructure', 'all'),
    ('category-ip-geo-detect', 'infrastructure', 'all'),
    ('category-consent-management', 'infrastructure', 'all'),
    ('aws', 'infrastructure', 'direct'),
    ('category-finance', 'finance', 'all'),
    ('category-cryptocurrency', 'finance', 'all'),
    ('paypal', 'finance', 'direct'),
    ('google', 'search', 'country-sites'),
    ('bing', 'search', 'direct'),
    ('duckduckgo', 'search', 'direct'),
    ('qwant', 'search', 'direct'),
    ('wikimedia', 'reference', 'direct'),
    ('wikihow', 'reference', 'direct'),
    ('category-web-archive', 'reference', 'all'),
    ('category-scholar-!cn', 'reference', 'all'),
    ('category-scholar-uk', 'reference', 'all'),
    ('category-orgs', 'organisations', 'all'),
    ('category-dev', 'technology', 'all'),
    ('category-container', 'technology', 'all'),
    ('category-browser-!cn', 'technology', 'all'),
    ('category-antivirus', 'technology', 'all'),
    ('category-password-management', 'technology', 'all'),
    ('category-remote-control', 'technology', 'all'),
    ('category-ai-!cn', 'technology', 'all'),
    ('category-companies', 'technology', 'members'),
    ('mozilla', 'technology', 'all'),
    ('apple', 'technology', 'direct'),
    ('microsoft', 'technology', 'direct'),
    ('slideshare', 'business', 'direct'),
    ('zendesk', 'business', 'direct'),
    ('wix', 'infrastructure', 'direct'),
    ('netlify', 'infrastructure', 'direct'),
    ('vercel', 'infrastructure', 'direct'),
    ('strikingly', 'infrastructure', 'direct'),
]

# Suffixes under which each name is someone's own site (the Public Suffix
# List's private section lists most of them): only the bare suffix, the
# platform's own page, is classified, never its users' sites.
USER_SITES = {'pages.dev', 'r2.dev', 'workers.dev', 'codeberg.page', 'firebaseapp.com',
              'web.app', 'github.io', 'gitlab.io', 'mystrikingly.com', 'wixsite.com',
              'netlify.app', 'vercel.app', 'herokuapp.com', 'appspot.com',
              'azurewebsites.net'}

HOSTNAME = re.compile(r'[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*')

def parse(name):
    """(rules, includes) of one list: rules as (kind, value, attrs, affiliations)."""
    rules, incs = [], []
    for line in open(os.path.join(V2, name), encoding='utf-8'):
        words = line.split('#')[0].split()
        if not words:
            continue
        head, attrs = words[0], {w[1:] for w in words[1:] if w.startswith('@')}
        affs = [w[1:] for w in words[1:] if w.startswith('&')]
        if head.startswith('include:'):
            incs.append((head[8:], {a for a in attrs if not a.startswith('-')},
                         {a[1:] for a in attrs if a.startswith('-')}))
        elif head.startswith('full:'):
            rules.append(('host', head[5:], attrs, affs))
        elif head.startswith('domain:'):
            rules.append(('domain', head[7:], attrs, affs))
        elif ':' not in head:
            rules.append(('domain', head, attrs, affs))
    return rules, incs

LISTS = {n: parse(n) for n in os.listdir(V2)}
AFFILIATED = defaultdict(list)  # target list -> rules added by `&target`
for n, (rules, _) in LISTS.items():
    for kind, value, attrs, affs in rules:
        for t in affs:
            AFFILIATED[t].append((kind, value, attrs, affs))

def own(name):
    return LISTS.get(name, ([], []))[0] + AFFILIATED.get(name, [])

def resolve(name, seen=()):
    """Yields (kind, value, attrs, list) for list `name`, includes resolved."""
    if name in seen or name not in LISTS and name not in AFFILIATED:
        return
    for kind, value, attrs, _ in own(name):
        yield kind, value, attrs, name
    for inc, want, avoid in LISTS.get(name, ([], []))[1]:
        for kind, value, attrs, src in resolve(inc, seen + (name,)):
            if want <= attrs and not (avoid & attrs):
                yield kind, value, attrs, src

def rows_of(name, how):
    if how == 'country-sites':
        # Google's search sites per country (google.de, google.co.uk, ...):
        # the list's own `google.<country suffix>` rules.
        for kind, value, attrs, _ in own(name):
            if re.fullmatch(r'google(\.com?)?\.[a-z]{2}', value):
                yield kind, value, name
    elif how == 'direct':
        for kind, value, attrs, _ in own(name):
            yield kind, value, name
    elif how == 'members':
        for kind, value, _a, _f in own(name):
            yield kind, value, name
        for inc, want, avoid in LISTS[name][1]:
            if inc in NOT_TECH or want or avoid:
                continue
            for kind, value, attrs, _ in own(inc):
                yield kind, value, inc
    else:
        for kind, value, attrs, src in resolve(name):
            yield kind, value, src

out, taken = [], set()
for name, category, how in SOURCES:
    for kind, value, src in rows_of(name, how):
        value = value.lower().strip('.')
        if not HOSTNAME.fullmatch(value) or '.' not in value or (kind, value) in taken:
            continue
        if kind == 'domain' and value in USER_SITES:
            kind = 'host'
        taken.add((kind, value))
        site = '' if src.startswith('category-') else src
        source = f'v2fly {src}' if src == name else f'v2fly {src} < {name}'
        out.append(f'{kind}\t{value}\t{site}\t{category}\tfalse\t{source}\n')

with open(OUT, 'w') as f:
    f.write('# Generated by tools/build_work_rules.py from v2fly/domain-list-community\n')
    f.write('# @ c975ccef9c19f005a3bfa7a33255d1b406deea64 (MIT, see data/v2fly-LICENSE).\n')
    f.write('# Columns: kind <TAB> pattern <TAB> site <TAB> category <TAB> embedded <TAB> source\n')
    f.writelines(out)
print(f'v2fly work rules: {len(out)}')
