"""The ICP slice's public surface: attributes, rule checks with live counts and evidence, discovery,
versions (save, adopt, list, show) and explanations. Each function owns its transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from tenbin.db import schema
from tenbin.icp import discover as d
from tenbin.icp import versions as v
from tenbin.icp.attributes import Attribute, load_catalog
from tenbin.icp.candidates import NewCandidates, find_new_candidates
from tenbin.icp.compile import format_rule
from tenbin.icp.evidence import Evidence, compute_evidence
from tenbin.icp.explain import Explanation, explain_account
from tenbin.icp.population import LtvBasis, revenue_by_account
from tenbin.icp.rules import parse_rule

Criterion = v.Criterion
IcpVersion = v.IcpVersion
Discovery = d.Discovery
Candidate = d.Candidate


@dataclass(frozen=True)
class RuleCheck:
    """A rule that parsed, in canonical form, with how many accounts and customers it matches."""

    rule: str
    accounts: int
    accounts_total: int
    customers: int
    customers_total: int


def list_attributes(engine: Engine) -> list[Attribute]:
    with engine.connect() as conn:
        return list(load_catalog(conn).attributes)


def challenge_categories(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(load_catalog(conn).categories)


def check_rule(engine: Engine, *, rules: str, criteria: list[Criterion] | None = None,
               threshold: float | None = None) -> RuleCheck:  # fmt: skip
    """Parse and count (the live match count of the workbench); raises the rule's error."""
    with engine.connect() as conn:
        definition = v.check_definition(load_catalog(conn), rules, criteria, threshold)
        matched = v.definition_sql(definition)
        a = schema.accounts
        total, hits = conn.execute(select(func.count(), func.count().filter(matched))).one()
        rev = revenue_by_account(conn)
        customers = select(func.count(), func.count().filter(matched)).select_from(
            a.join(rev, rev.c.account_id == a.c.id)
        )
        c_total, c_hits = conn.execute(customers).one()
        text = format_rule(definition.node) if definition.node is not None else ""
        return RuleCheck(text, int(hits), int(total), int(c_hits), int(c_total))


def rule_evidence(engine: Engine, *, rules: str, criteria: list[Criterion] | None = None,
                  threshold: float | None = None, seed: int = 0) -> Evidence:  # fmt: skip
    """The evidence of a rule that is not saved yet (the workbench's live evidence)."""
    with engine.connect() as conn:
        definition = v.check_definition(load_catalog(conn), rules, criteria, threshold)
        return compute_evidence(conn, v.definition_sql(definition), seed=seed)


def discover_icp(engine: Engine, *, target: str = "ltv", depth: int = 3, min_support: int | None = None,
                 top_k: int = d.TOP_K, seed: int = 0, ltv_basis: LtvBasis = "cumulative",
                 outside_current: bool = False) -> Discovery:  # fmt: skip
    """Subgroup discovery with the evidence gate; ``outside_current`` looks only at customers the
    current ICP does not match (new-ICP candidates)."""
    with engine.connect() as conn:
        catalog = load_catalog(conn)
        exclude = None
        if outside_current:
            exclude = v.definition_sql(v.version_definition(conn, v.get_version(conn), catalog))
        options = d.Options(target=target, depth=depth, min_support=min_support, top_k=top_k, seed=seed,
                            ltv_basis=ltv_basis, exclude=exclude)  # fmt: skip
        return d.discover_icp(conn, catalog, options)


save_icp_version = v.save_version  # check, snapshot the evidence, store (audited)
adopt_icp_version = v.adopt_version  # make a version current (audited)


def list_icp_versions(engine: Engine) -> list[IcpVersion]:
    with engine.connect() as conn:
        return v.list_versions(conn)


def get_icp_version(engine: Engine, *, version: int | None = None) -> IcpVersion:
    with engine.connect() as conn:
        return v.get_version(conn, version)


def explain_icp(engine: Engine, *, version: int | None = None, rules: str | None = None,
                account_id: int | None = None, contact_id: int | None = None) -> Explanation:  # fmt: skip
    """Which conditions of a version (current by default) or of a rule an account or lead meets."""
    with engine.connect() as conn:
        catalog = load_catalog(conn)
        if rules is not None:
            definition = v.check_definition(catalog, rules)
        else:
            definition = v.version_definition(conn, v.get_version(conn, version), catalog)
        return explain_account(conn, definition, account_id=account_id, contact_id=contact_id)


def new_icp_candidates(engine: Engine, *, version: int | None = None, top_k: int = 10, seed: int = 0,
                       ltv_basis: LtvBasis = "cumulative") -> NewCandidates:  # fmt: skip
    """High-value customers outside the ICP, grouped, with their sources (量/質) and trend."""
    with engine.connect() as conn:
        return find_new_candidates(conn, version=version, top_k=top_k, seed=seed, ltv_basis=ltv_basis)


def parse(engine: Engine, rules: str) -> str:
    """Canonical text of a rule (raises its error)."""
    with engine.connect() as conn:
        return format_rule(parse_rule(rules, load_catalog(conn)))
