"""Studio Loyalty benchmark on generated data, run by scripts/bench.

Fills a copy of a database with the addon installed (no demo data) with N
clients, 10 x N sales documents and N / 2 rewards, using set-based SQL, gives
the rewards their ledger lines and opening entry as an upgrade does
(``studio.loyalty.move._backfill``), then prints each measurement next to a
baseline measured in the same run:

* clients list: a page of clients with the reward columns shown, against the
  same page with the name only (time and SQL queries);
* Process Loyalty Rewards (issue 4):
  (a) Load for Processing, (b) one hand-written SQL query doing the same
  aggregation, the floor, and the ratio (a)/(b);
  (c) Process, rewards per second: each reward with its ledger line, then
  the run's one accrual entry booked in _finish; (c') the same run from the
  same state without the entry (_process_lines only, rolled back), and the
  ratio (c)/(c'); (d) Odoo's own loyalty.generate.wizard creating as many
  coupons, and the ratio (c)/(d);
* Point of Sale (issue 10): (e) syncing a 3-line order paid by bank against
  the same order paid partly with a reward; (f) the session's data load with
  and without the reward model; (g) the rewards popup's fetch for one client.
* Referrals (issue 11): (h) the daily re-check evaluating 10,000 waiting
  referrals (sessions and paid sales of each referred client read) against
  (i) one SQL count of the same referrals.
* Ledger reports, on 100,000 rewards and 300,000 ledger lines of the company
  spread over the last year (made by SQL, each reward's lines adding up to
  its balance): (j) the Activity pivot of last month (the web pivot's
  _read_group by client and movement) and the wizard's _activity(), against
  (k) a hand-written SQL GROUP BY of the same; (l) the Outstanding total as
  of six months ago (_outstanding_total()) against (m) a hand-written SQL
  SUM. The figures are compared, and a MISMATCH line printed if they differ.
* Letters: (s) the background letter job (``_cron_send``) printing a send
  of 1,000 clients' reward letters, 3 rewards listed in each (one PDF,
  through wkhtmltopdf and Odoo's HTTP server, as a cron worker prints),
  against (t) the same letters from a copy of the template without the
  rewards table; (u) the daily expiry reminder job (``_cron_remind``) over
  100,000 rewards of clients of a status that reminds 14 days ahead, 1 in
  97 of them due (~1,000 clients, whose send goes to the letter job),
  against (v) one SQL count of the due rewards.
* Points (issue 16), on 50 points ledger lines per client (1,000,000 at
  20,000 clients: a year of POS sales that earned, matured, were partly taken
  back, and points spent; made by SQL, consistent with what the engine
  computes) and N / 2 paid POS orders of today, one per client: (n) the
  clients list with the points columns against without them, at 80 and 200
  rows (time and SQL queries); (o) one client's balance (_balances) against
  (p) a hand-written SQL SUM; (q) earning on the paid orders in one batch
  (_earn for their clients) against (r) the same call with no points rule
  active (the same reads, nothing to write).

Times are printed, never asserted: they depend on the machine.
"""

import argparse
import io
import time
import warnings
from datetime import date, timedelta

import psycopg2

THRESHOLD = 500.0
REWARD = 25.0
PAGE = 80  # the clients list's page size

# Written by hand for the benchmark and not shared with the addon: the least
# work any implementation of the earning rule has to do.
FLOOR_SQL = """
WITH sales AS (
    SELECT m.commercial_partner_id AS partner_id, m.amount_untaxed_signed AS amount
      FROM account_move m
 LEFT JOIN account_move o ON o.id = m.reversed_entry_id
     WHERE m.company_id = %(company)s AND m.state = 'posted'
       AND COALESCE(o.invoice_date, m.invoice_date) >= %(start)s
       AND NOT EXISTS (SELECT 1 FROM pos_order p WHERE p.account_move = m.id)
       AND ((m.move_type = 'out_invoice' AND m.payment_state IN ('paid', 'in_payment'))
         OR (m.move_type = 'out_refund' AND COALESCE(o.payment_state, m.payment_state) IN ('paid', 'in_payment')))
 UNION ALL
    SELECT r.commercial_partner_id, p.amount_total - p.amount_tax
      FROM pos_order p JOIN res_partner r ON r.id = p.partner_id
 LEFT JOIN (SELECT rl.order_id, MIN(op.date_order) AS date_order
              FROM pos_order_line rl
              JOIN pos_order_line ol ON ol.id = rl.refunded_orderline_id
              JOIN pos_order op ON op.id = ol.order_id
          GROUP BY rl.order_id) ro ON ro.order_id = p.id
     WHERE p.company_id = %(company)s AND p.state IN ('paid', 'done')
       AND timezone(%(tz)s, COALESCE(ro.date_order, p.date_order) AT TIME ZONE 'UTC')::date >= %(start)s
), consumed AS (
    SELECT l.partner_id, SUM(l.consumed_amount) AS amount
      FROM studio_loyalty_run_line l JOIN studio_loyalty_run r ON r.id = l.run_id
     WHERE r.company_id = %(company)s AND l.state = 'done' GROUP BY l.partner_id
)
SELECT c.id, FLOOR((SUM(s.amount) - MAX(COALESCE(k.amount, 0))) / %(threshold)s) AS n
  FROM sales s
  JOIN res_partner c ON c.id = s.partner_id
  JOIN studio_client_status st ON st.id = c.client_status_id AND st.loyalty_enabled
  LEFT JOIN consumed k ON k.partner_id = c.id
 WHERE c.active
 GROUP BY c.id
HAVING FLOOR((SUM(s.amount) - MAX(COALESCE(k.amount, 0))) / %(threshold)s) > 0
"""


def timed(fn, repeat=1):
    """Best wall time of ``repeat`` calls, and the last result."""
    best, result = None, None
    for _i in range(repeat):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def generate(env, clients):
    """N clients (half loyalty-enabled), 7 x N invoices, N credit notes (each of
    an invoice), 2 x N POS orders and N / 2 rewards, dated over the last year."""
    cr = env.cr
    company = env.ref("base.main_company")
    today = date.today()
    company.loyalty_start_date = today - timedelta(days=365)
    status = env["studio.client.status"]
    loyal = status.create({"name": "Loyal Client (bench)", "loyalty_enabled": True})
    inquiry = status.create({"name": "New Inquiry (bench)", "loyalty_enabled": False})
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    env.flush_all()
    params = {
        "n": clients,
        "company": company.id,
        "currency": company.currency_id.id,
        "journal": journal.id,
        "loyal": loyal.id,
        "inquiry": inquiry.id,
        "today": today,
    }
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM res_partner")
    first_partner = cr.fetchone()[0] + 1
    params["first"] = first_partner
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, email, active, type, is_company,
                                 client_status_id, autopost_bills, lang, create_date, write_date)
        SELECT 'Bench Client ' || lpad(i::text, 6, '0'), 'Bench Client ' || lpad(i::text, 6, '0'),
               'client' || i || '@bench.example.com', TRUE, 'contact', FALSE,
               CASE WHEN i %% 2 = 0 THEN %(loyal)s ELSE %(inquiry)s END, 'ask', 'en_US',
               NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM generate_series(1, %(n)s) AS i;
        UPDATE res_partner SET commercial_partner_id = id WHERE id >= %(first)s;
        """,
        params,
    )
    # Sales: a document i belongs to client (i mod N); amounts 50.00 .. 549.00.
    cr.execute(
        """
        INSERT INTO account_move (name, move_type, state, auto_post, journal_id, currency_id,
                                  company_id, date, invoice_date, partner_id, commercial_partner_id,
                                  amount_untaxed, amount_untaxed_signed, amount_tax, amount_total,
                                  amount_total_signed, amount_residual, payment_state,
                                  create_date, write_date)
        SELECT 'BENCH/' || i, CASE WHEN i %% 8 = 0 THEN 'out_refund' ELSE 'out_invoice' END,
               'posted', 'no', %(journal)s, %(currency)s, %(company)s, d, d, p, p,
               amt, CASE WHEN i %% 8 = 0 THEN -amt / 4 ELSE amt END, 0, amt,
               CASE WHEN i %% 8 = 0 THEN -amt / 4 ELSE amt END,
               CASE WHEN i %% 5 = 0 THEN amt ELSE 0 END,
               CASE WHEN i %% 5 = 0 THEN 'not_paid' ELSE 'paid' END,
               NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM generate_series(1, 8 * %(n)s) AS i,
               LATERAL (SELECT %(first)s + (i %% %(n)s) AS p,
                               (50 + (i * 37) %% 500)::numeric AS amt,
                               %(today)s::date - (i %% 365) AS d) AS v
        """,
        params,
    )
    # Each credit note reverses the invoice generated right after it, so the
    # "counts when its invoice does, on its date" rule has work to do.
    cr.execute(
        """
        UPDATE account_move refund SET reversed_entry_id = invoice.id
          FROM account_move invoice
         WHERE invoice.id = refund.id + 1 AND refund.move_type = 'out_refund'
           AND refund.name LIKE 'BENCH/%%'
        """
    )
    cr.execute(
        """
        INSERT INTO pos_order (name, company_id, partner_id, date_order, state, amount_tax,
                               amount_total, amount_paid, amount_return, currency_rate,
                               create_date, write_date)
        SELECT 'BENCH-POS/' || i, %(company)s, %(first)s + (i %% %(n)s),
               %(today)s::date - (i %% 365), 'done', amt * 0.1, amt * 1.1, amt * 1.1, 0, 1,
               NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM generate_series(1, 2 * %(n)s) AS i,
               LATERAL (SELECT (20 + (i * 13) %% 200)::numeric AS amt) AS v
        """,
        params,
    )
    cr.execute(
        """
        INSERT INTO studio_loyalty_reward (name, partner_id, commercial_partner_id, company_id, amount,
                                           issue_date, expiration_date, state, origin,
                                           create_date, write_date)
        SELECT 'LR/BENCH/' || i, %(first)s + (i * 2 %% %(n)s), %(first)s + (i * 2 %% %(n)s), %(company)s,
               CASE WHEN i %% 3 = 0 THEN 25 ELSE 10 END, %(today)s::date - (i %% 200),
               %(today)s::date + (i %% 90) + 1,
               CASE WHEN i %% 4 = 0 THEN 'redeemed' ELSE 'available' END, 'manual',
               NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM generate_series(1, %(n)s / 2) AS i
        """,
        params,
    )
    env.invalidate_all()
    # What an upgrade does for rewards stored before the ledger: their lines
    # (issue, and redeem for the redeemed ones) and one opening entry.
    env["studio.loyalty.move"]._backfill()
    env.flush_all()
    for table in ("res_partner", "account_move", "pos_order", "studio_loyalty_reward", "studio_loyalty_move"):
        cr.execute(f"ANALYZE {table}")
    env.invalidate_all()


# ----------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------


def measure_clients_list(env, out):
    """One page of the clients list, with and without the reward columns."""
    partners = env["res.partner"].with_context(active_test=True)
    base_spec = {"display_name": {}}
    full_spec = dict(
        base_spec,
        client_status_id={"fields": {"display_name": {}}},
        studio_reward_available_amount={},
        studio_reward_available_count={},
        studio_reward_next_expiry={},
    )
    domain = [("name", "like", "Bench Client")]

    def page(spec):
        def run():
            env.invalidate_all()
            before = env.cr.sql_log_count
            partners.web_search_read(domain, spec, limit=PAGE)
            return env.cr.sql_log_count - before

        return run

    base_time, base_queries = timed(page(base_spec), repeat=5)
    full_time, full_queries = timed(page(full_spec), repeat=5)
    out(
        f"Clients list, {PAGE} rows: name only {base_time * 1000:.1f} ms / {base_queries} queries; "
        f"with status, balance, count, next expiry {full_time * 1000:.1f} ms / {full_queries} queries"
    )
    out(f"    ratio {full_time / base_time:.2f} in time, +{full_queries - base_queries} queries for {PAGE} rows")


def measure_process(env, out):
    company = env.company
    cr = env.cr
    env.flush_all()
    params = {
        "company": company.id,
        "start": company.loyalty_start_date or "1900-01-01",
        "threshold": THRESHOLD,
        "tz": company._loyalty_tz(),
    }

    def floor():
        cr.execute(FLOOR_SQL, params)
        return cr.fetchall()

    run = env["studio.loyalty.run"].create({"threshold": THRESHOLD, "reward_amount": REWARD})
    floor_time, floor_rows = timed(floor, repeat=3)
    load_time, _result = timed(run.action_load, repeat=3)
    lines = run.line_ids
    planned = sum(lines.mapped("reward_count"))
    out(f"(a) Load for Processing: {load_time:.3f} s for {len(lines)} clients, {planned} thresholds reached")
    out(
        f"(b) hand-written SQL floor: {floor_time:.3f} s for {len(floor_rows)} clients, "
        f"{sum(int(n) for _p, n in floor_rows)} thresholds reached"
    )
    out(f"    ratio (a)/(b) = {load_time / floor_time:.2f}  (target <= 1.5)")

    def process(book):
        """Process the run: its rewards and ledger lines, then (``book``) its one accrual entry in _finish."""
        start = time.perf_counter()
        run._process_lines(lines)
        env.flush_all()
        issued = time.perf_counter()
        if book:
            run._finish()
            env.flush_all()
        return issued - start, time.perf_counter() - issued

    # The same run from the same state, with and without its issuing entry,
    # alternately so both meet the same machine load; all but the last rolled back.
    without_entry, with_entry = [], []
    for attempt in range(2):
        for book, times in ((False, without_entry), (True, with_entry)):
            savepoint = cr.savepoint()
            times.append(process(book))
            if not (book and attempt == 1):
                savepoint.close(rollback=True)
                env.invalidate_all()
            else:
                savepoint.close(rollback=False)
    # Without the entry: the best of every _process_lines from that state
    # (those followed by _finish too), so the entry alone makes the difference.
    issue_time = min(lines for lines, _book in without_entry + with_entry)
    lines_time, book_time = min(with_entry, key=sum)
    process_time = lines_time + book_time
    created = len(run.reward_ids)
    booked = env["studio.loyalty.move"].search_count([("run_id", "=", run.id), ("entry_id", "!=", False)])
    entries = env["studio.loyalty.move"].search([("run_id", "=", run.id)]).entry_id
    ours = created / process_time
    out(
        f"(c) Process: {created} rewards in {process_time:.2f} s = {ours:.0f} rewards/s "
        f"(rewards and ledger lines {lines_time:.2f} s, then the issuing entry {book_time:.2f} s: "
        f"{len(entries)} entry for {booked} lines)"
    )
    out(f"(c') the same run without the issuing entry (_process_lines only, best of 4): {issue_time:.2f} s")
    out(f"    ratio (c)/(c') = {process_time / issue_time:.2f}  (target <= 1.2)")
    # One reward per client, worth its thresholds reached times the reward amount.
    expected = {line.partner_id: line.reward_count * REWARD for line in lines}
    if (
        booked != created
        or len(entries) != 1
        or any(abs(r.balance - expected[r.partner_id]) > 0.005 for r in run.reward_ids)
    ):
        out(f"    MISMATCH: {created} rewards, {booked} booked lines, {len(entries)} entries, balances")

    program = env["loyalty.program"].create(
        {"name": "Bench coupons", "program_type": "coupons", "trigger": "with_code"}
    )
    wizard = env["loyalty.generate.wizard"].create(
        {"program_id": program.id, "coupon_qty": created, "points_granted": REWARD}
    )

    from odoo.tools import mute_logger

    def coupons():
        # A collision is expected now and then (below): one notice line, not Odoo's whole failing INSERT.
        with mute_logger("odoo.sql_db"), env.cr.savepoint():
            result = wizard.generate_coupons()
            env.flush_all()
        return len(result)

    # Odoo's coupon codes carry 32 random bits: tens of thousands of them
    # collide now and then on its unique constraint. Such an attempt is rolled
    # back and made again; only the attempt that succeeds is timed.
    collisions = 0
    while True:
        try:
            odoo_time, made = timed(coupons)
            break
        except psycopg2.errors.UniqueViolation:
            collisions += 1
            out(f"    notice: two of Odoo's random coupon codes collided (attempt {collisions}); generating again")
            env.invalidate_all()
            if collisions == 5:
                raise
    theirs = made / odoo_time
    retried = f" (after {collisions} attempt(s) that hit a duplicate code)" if collisions else ""
    out(f"(d) Odoo loyalty.generate.wizard: {made} coupons in {odoo_time:.2f} s = {theirs:.0f} coupons/s{retried}")
    out(f"    ratio (c)/(d) per record = {ours / theirs:.2f}  (target >= 3)")


# The ledger lines of a generated reward: one pattern per number of lines
# after its issue line (0 to 4) and variant. Each step moves
# ``a * amount + c``, of the client the reward was moved from by a merge when
# ``moved``; the pattern leaves the reward in ``state``, with what is left of
# it (the sum of its lines) its amount when available, else 0.
LEDGER_PATTERNS = """
    (VALUES (0, 0, 'available', 0, 'issue', 1, 0, 0),
            (1, 0, 'redeemed', 0, 'issue', 1, 0, 0), (1, 0, 'redeemed', 1, 'redeem', -1, 0, 0),
            (1, 1, 'expired', 0, 'issue', 1, 0, 0), (1, 1, 'expired', 1, 'expire', -1, 0, 0),
            (2, 0, 'available', 0, 'issue', 1, 0, 0), (2, 0, 'available', 1, 'redeem', -1, 0, 0),
            (2, 0, 'available', 2, 'give_back', 1, 0, 0),
            (2, 1, 'cancelled', 0, 'issue', 1, -5, 0), (2, 1, 'cancelled', 1, 'adjust', 0, 5, 0),
            (2, 1, 'cancelled', 2, 'cancel', -1, 0, 0),
            (3, 0, 'redeemed', 0, 'issue', 1, 0, 0), (3, 0, 'redeemed', 1, 'redeem', -1, 0, 0),
            (3, 0, 'redeemed', 2, 'give_back', 1, 0, 0), (3, 0, 'redeemed', 3, 'redeem', -1, 0, 0),
            (3, 1, 'expired', 0, 'issue', 1, 0, 1), (3, 1, 'expired', 1, 'merge', -1, 0, 1),
            (3, 1, 'expired', 2, 'merge', 1, 0, 0), (3, 1, 'expired', 3, 'expire', -1, 0, 0),
            (4, 0, 'cancelled', 0, 'issue', 1, -5, 0), (4, 0, 'cancelled', 1, 'adjust', 0, 5, 0),
            (4, 0, 'cancelled', 2, 'redeem', -1, 0, 0), (4, 0, 'cancelled', 3, 'give_back', 1, 0, 0),
            (4, 0, 'cancelled', 4, 'cancel', -1, 0, 0),
            (4, 1, 'available', 0, 'issue', 1, 0, 1), (4, 1, 'available', 1, 'redeem', -1, 0, 1),
            (4, 1, 'available', 2, 'give_back', 1, 0, 1), (4, 1, 'available', 3, 'merge', -1, 0, 1),
            (4, 1, 'available', 4, 'merge', 1, 0, 0))
    AS pattern(extra, variant, state, step, kind, a, c, moved)
"""


def generate_ledger(env, rewards=100000, lines=300000):
    """Rewards and ledger lines of the company by SQL, up to ``rewards`` and ``lines`` in all.

    The new rewards are issued over the last year; each has 1 to 5 lines (the
    extra lines spread evenly so the totals come out exact) a few days apart,
    never after today: redeemed, given back, amount changed, expired,
    cancelled, moved by a client merge. Each reward's lines add up to what is
    left of it, which its stored balance says. Returns the totals.
    """
    cr = env.cr
    company = env.company
    env.flush_all()
    cr.execute("SELECT COUNT(*) FROM studio_loyalty_reward WHERE company_id = %s", [company.id])
    have_rewards = cr.fetchone()[0]
    cr.execute("SELECT COUNT(*) FROM studio_loyalty_move WHERE company_id = %s", [company.id])
    have_lines = cr.fetchone()[0]
    cr.execute("SELECT MIN(id), COUNT(*) FROM res_partner WHERE name LIKE 'Bench Client %%'")
    first, clients = cr.fetchone()
    params = {
        "company": company.id,
        "first": first,
        "clients": clients,
        "n": max(rewards - have_rewards, 0),
        "extra": max(lines - have_lines - max(rewards - have_rewards, 0), 0),
        "today": date.today(),
        "uid": env.uid,
    }
    if params["n"]:
        cr.execute(
            f"""
            CREATE TEMP TABLE bench_ledger_pattern ON COMMIT DROP AS SELECT * FROM {LEDGER_PATTERNS};
            CREATE TEMP TABLE bench_ledger_reward ON COMMIT DROP AS
            SELECT j, %(first)s + (j * 7 %% %(clients)s) AS partner_id,
                   %(first)s + ((j * 7 + 1) %% %(clients)s) AS merged_from,
                   (10 + (j %% 5) * 5)::numeric AS amount,
                   %(today)s::date - 364 + (j * 53 %% 365) AS issue_date,
                   1 + j %% 9 AS gap,
                   LEAST(4, (j * %(extra)s::bigint / %(n)s) - ((j - 1) * %(extra)s::bigint / %(n)s)) AS extra,
                   (j / 3) %% 2 AS variant
              FROM generate_series(1, %(n)s) AS j;
            INSERT INTO studio_loyalty_reward (name, partner_id, commercial_partner_id, company_id, amount,
                                               balance, issue_date, expiration_date, state, origin,
                                               create_uid, write_uid, create_date, write_date)
            SELECT 'LR/LEDGER/' || r.j, r.partner_id, r.partner_id, %(company)s, r.amount,
                   CASE WHEN p.state = 'available' THEN r.amount ELSE 0 END, r.issue_date,
                   r.issue_date + 365, p.state, 'manual', %(uid)s, %(uid)s,
                   NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM bench_ledger_reward r
              JOIN bench_ledger_pattern p ON p.extra = r.extra AND p.variant = r.variant AND p.step = 0
          ORDER BY r.j;
            INSERT INTO studio_loyalty_move (date, company_id, partner_id, reward_id, kind, origin, amount,
                                             reference, user_id, create_uid, write_uid, create_date, write_date)
            SELECT LEAST(r.issue_date + p.step * r.gap, %(today)s), %(company)s,
                   CASE WHEN p.moved = 1 THEN r.merged_from ELSE r.partner_id END,
                   reward.id, p.kind, 'manual', p.a * r.amount + p.c, reward.name, %(uid)s, %(uid)s, %(uid)s,
                   NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM bench_ledger_reward r
              JOIN studio_loyalty_reward reward ON reward.name = 'LR/LEDGER/' || r.j
              JOIN bench_ledger_pattern p ON p.extra = r.extra AND p.variant = r.variant
          ORDER BY r.j, p.step;
            ANALYZE studio_loyalty_reward;
            ANALYZE studio_loyalty_move;
            """,
            params,
        )
    env.invalidate_all()
    cr.execute(
        """
        SELECT COUNT(*), COUNT(*) FILTER (WHERE balance IS DISTINCT FROM total), SUM(lines)
          FROM studio_loyalty_reward reward
     LEFT JOIN (SELECT reward_id, SUM(amount) AS total, COUNT(*) AS lines
                  FROM studio_loyalty_move GROUP BY reward_id) ledger ON ledger.reward_id = reward.id
         WHERE reward.company_id = %s
        """,
        [company.id],
    )
    rewards, unbalanced, lines = cr.fetchone()
    return rewards, unbalanced, int(lines or 0)


ACTIVITY_SQL = """
    SELECT partner_id, kind, SUM(amount)
      FROM studio_loyalty_move
     WHERE company_id = %(company)s AND date BETWEEN %(start)s AND %(end)s
  GROUP BY partner_id, kind
"""
OUTSTANDING_SQL = "SELECT SUM(amount) FROM studio_loyalty_move WHERE company_id = %(company)s AND date <= %(as_of)s"


def measure_reports(env, out):
    """The Activity pivot and report of a month, the Outstanding total at a date, against SQL."""
    from odoo.addons.studio_loyalty.wizards.studio_loyalty_report import ACTIVITY_COLUMNS, COLUMN_SIGNS

    cr = env.cr
    elapsed, (rewards, unbalanced, lines) = timed(lambda: generate_ledger(env))
    out(f"Ledger: {rewards} rewards, {lines} ledger lines of the company ({elapsed:.1f} s to generate by SQL)")
    if unbalanced:
        out(f"    MISMATCH: {unbalanced} rewards whose balance is not the sum of their lines")
    today = date.today()
    month_end = today.replace(day=1) - timedelta(days=1)
    month_start = month_end.replace(day=1)  # last month: a whole month of movements
    as_of = today - timedelta(days=182)
    params = {"company": env.company.id, "start": month_start, "end": month_end, "as_of": as_of}
    domain = [("company_id", "=", env.company.id), ("date", ">=", month_start), ("date", "<=", month_end)]
    Move = env["studio.loyalty.move"]
    Report = env["studio.loyalty.report"]

    def sql_activity():
        cr.execute(ACTIVITY_SQL, params)
        return {(partner, kind): float(amount) for partner, kind, amount in cr.fetchall()}

    def pivot():
        env.invalidate_all()
        groups = Move._read_group(domain, ["partner_id", "kind"], ["amount:sum"])
        return {(partner.id, kind): amount for partner, kind, amount in groups}

    activity_report = Report.create({"report_type": "activity", "date_from": month_start, "date_to": month_end})

    def activity():
        env.invalidate_all()
        return activity_report._activity()

    sql_time, expected = timed(sql_activity, repeat=3)
    pivot_time, pivoted = timed(pivot, repeat=3)
    report_time, figures = timed(activity, repeat=3)
    month = f"{month_start:%B %Y}"
    moved = sum(expected.values())
    out(
        f"(j) Activity pivot, {month} (partner x movement): {1000 * pivot_time:.0f} ms for {len(pivoted)} cells; "
        f"the wizard's _activity() {1000 * report_time:.0f} ms for {len(figures['clients'])} clients"
    )
    out(f"(k) hand-written SQL GROUP BY partner, movement: {1000 * sql_time:.0f} ms for {len(expected)} cells")
    out(
        f"    ratio (j)/(k): pivot {pivot_time / sql_time:.2f}, _activity() {report_time / sql_time:.2f}  "
        f"(target <= 2); net {moved:.2f}"
    )
    # The wizard's columns from the SQL cells: (partner, column) -> [count of cells is not a count of lines] amount.
    # Points that mature or turn into a reward have no column (and are not in the net).
    by_column, net = {}, 0.0
    for (partner, kind), amount in expected.items():
        column = ACTIVITY_COLUMNS[kind]
        if column is None:
            continue
        key = (partner, column)
        by_column[key] = by_column.get(key, 0.0) + COLUMN_SIGNS[column] * amount
        net += amount
    reported = {
        (row["key"].id, column): row[column][1]
        for row in figures["clients"]
        for column in COLUMN_SIGNS
        if row[column][0]
    }
    wrong = [key for key in set(expected) | set(pivoted) if abs(expected.get(key, 0.0) - pivoted.get(key, 0.0)) > 0.005]
    wrong += [
        key for key in set(by_column) | set(reported) if abs(by_column.get(key, 0.0) - reported.get(key, 0.0)) > 0.005
    ]
    if abs(figures["totals"]["net"] - net) > 0.005:
        wrong.append(("net", figures["totals"]["net"], net))
    if wrong:
        out(f"    MISMATCH: {len(wrong)} figures differ from SQL, e.g. {wrong[:3]}")

    outstanding_report = Report.create({"report_type": "outstanding", "as_of": as_of})

    def outstanding():
        env.invalidate_all()
        return outstanding_report._outstanding_total()

    def sql_outstanding():
        cr.execute(OUTSTANDING_SQL, params)
        return float(cr.fetchone()[0] or 0.0)

    sql_total_time, sql_total = timed(sql_outstanding, repeat=3)
    total_time, total = timed(outstanding, repeat=3)
    out(f"(l) Outstanding total as of {as_of}: {1000 * total_time:.1f} ms = {total:.2f}")
    out(f"(m) hand-written SQL SUM: {1000 * sql_total_time:.1f} ms = {sql_total:.2f}")
    out(f"    ratio (l)/(m) = {total_time / sql_total_time:.2f}  (target <= 2)")
    if abs(total - sql_total) > 0.005:
        out(f"    MISMATCH: the Outstanding total {total:.2f} is not the SQL sum {sql_total:.2f}")


def measure_pos(env, out, repeat=30):
    """Point of Sale (issue 10): order sync with and without a reward, the session's data load, the popup fetch."""
    company = env.company
    bank_journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
    bank = env["pos.payment.method"].create({"name": "Bench Bank", "journal_id": bank_journal.id})
    config = env["pos.config"].create({"name": "Bench Till", "payment_method_ids": [(6, 0, bank.ids)]})
    config.open_ui()
    session = config.current_session_id
    loyalty = config.payment_method_ids.filtered("is_studio_loyalty")
    products = env["product.product"].create(
        [
            {
                "name": f"Bench Print {i}",
                "type": "service",
                "list_price": price,
                "available_in_pos": True,
                "taxes_id": False,
            }
            for i, price in enumerate((40.0, 35.0, 25.0))
        ]
    )
    client = env["studio.loyalty.reward"].search([], limit=1).partner_id
    rewards = env["studio.loyalty.reward"].create([{"partner_id": client.id, "amount": 10.0} for _i in range(repeat)])
    env.flush_all()
    sequence = iter(range(10**6))

    def order(reward=None):
        number = next(sequence)
        payments = [(0, 0, {"amount": 100.0 - (10.0 if reward else 0.0), "payment_method_id": bank.id})]
        if reward:
            payments.append(
                (0, 0, {"amount": 10.0, "payment_method_id": loyalty.id, "studio_reward_ids": [(6, 0, reward.ids)]})
            )
        return {
            "uuid": f"bench-{number}",
            "name": f"Order bench-{number}",
            "session_id": session.id,
            "partner_id": client.id,
            "pricelist_id": config.pricelist_id.id,
            "user_id": env.uid,
            "date_order": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "amount_total": 100.0,
            "amount_tax": 0.0,
            "amount_paid": 100.0,
            "amount_return": 0.0,
            "lines": [
                (
                    0,
                    0,
                    {
                        "product_id": product.id,
                        "qty": 1,
                        "price_unit": product.list_price,
                        "price_subtotal": product.list_price,
                        "price_subtotal_incl": product.list_price,
                        "tax_ids": [],
                    },
                )
                for product in products
            ],
            "payment_ids": payments,
        }

    def sync(data):
        start = time.perf_counter()
        env["pos.order"].sync_from_ui([data])
        env.flush_all()
        return time.perf_counter() - start

    by_bank, with_reward = [], []
    for reward in rewards:  # alternate, so both meet the same machine load
        by_bank.append(sync(order()))
        with_reward.append(sync(order(reward)))
    by_bank.sort()
    with_reward.sort()
    bank_ms, reward_ms = 1000 * by_bank[len(by_bank) // 2], 1000 * with_reward[len(with_reward) // 2]
    out(
        f"(e) POS order sync, 3 lines, median of {repeat}: by bank {bank_ms:.1f} ms; "
        f"partly with a reward {reward_ms:.1f} ms"
    )
    out(f"    ratio {reward_ms / bank_ms:.2f}  (target <= 1.3)")

    models = session._load_pos_data_models(config)
    without = [model for model in models if model != "studio.loyalty.reward"]
    reward_count = env["studio.loyalty.reward"].search_count([])

    def load(model_list):
        def run():
            env.invalidate_all()
            session.load_data(model_list)

        return run

    full_time, _r = timed(load(models), repeat=5)
    base_time, _r = timed(load(without), repeat=5)
    out(
        f"(f) POS session data load with {reward_count} rewards in the database: {1000 * full_time:.0f} ms; "
        f"without the addon's reward model {1000 * base_time:.0f} ms"
    )
    out(f"    ratio {full_time / base_time:.2f}  (target <= 1.1)")

    Reward = env["studio.loyalty.reward"]
    fetch_client = client
    Reward.create([{"partner_id": client.id, "amount": 5.0 + i} for i in range(5)])
    fetch_time, result = timed(
        lambda: (env.invalidate_all(), Reward.studio_pos_redeemable(fetch_client.id, config.id))[1], repeat=20
    )
    out(
        f"(g) Rewards popup fetch for one client ({len(result['studio.loyalty.reward'])} rewards): "
        f"{1000 * fetch_time:.1f} ms"
    )


def measure_referrals(env, out, count=10000):
    """The daily re-check over ``count`` waiting referrals (fewer with fewer clients), against counting them."""
    cr = env.cr
    sudo_env = env(su=True)
    cr.execute("SELECT COUNT(*) FROM res_partner WHERE name LIKE 'Bench Client %%'")
    count = min(count, cr.fetchone()[0] - 1)  # each referred client is referred by the next one
    completed = env.ref("studio_loyalty.studio_session_status_completed")
    booked = env.ref("studio_loyalty.studio_session_status_booked")
    program = sudo_env["studio.referral.program"].create(
        {
            "name": "Bench Referral Program",
            "require_session": True,
            "require_session_status": True,
            "session_status_id": completed.id,
            "require_order": True,
            "require_order_minimum": True,
            # Every first sale reaches it (a first order below the minimum fails the
            # referral for good); no session is completed: every referral stays waiting.
            "order_minimum": 1.0,
            "give_reward": True,
            "reward_amount": 10.0,
        }
    )
    sudo_env.flush_all()
    cr.execute("SELECT MIN(id) FROM res_partner WHERE name LIKE 'Bench Client %%'")
    first = cr.fetchone()[0]
    params = {"n": count, "first": first, "program": program.id, "company": program.company_id.id}
    # Referred clients are the bench clients (with their sales); each is referred
    # by the next one; half of them have a session that is only booked.
    cr.execute(
        """
        INSERT INTO studio_referral (referrer_id, referred_id, program_id, company_id, referral_date,
                                     clock_start, state, created_requirement, session_requirement,
                                     order_requirement, create_date, write_date)
        SELECT %(first)s + i + 1, %(first)s + i, %(program)s, %(company)s,
               NOW() AT TIME ZONE 'UTC' - interval '5 days', NOW() AT TIME ZONE 'UTC' - interval '6 days',
               'pending', 'na', 'waiting', 'waiting', NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM generate_series(0, %(n)s - 1) AS i
        """,
        params,
    )
    cr.execute(
        """
        INSERT INTO calendar_event (name, show_as, start, stop, active, studio_client_id,
                                    studio_session_status_id, studio_booked_on, create_date, write_date)
        SELECT 'Bench session ' || i, 'busy', NOW() + interval '3 days', NOW() + interval '3 days 1 hour',
               TRUE, %(first)s + i, %(booked)s, NOW() AT TIME ZONE 'UTC' - interval '2 days',
               NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM generate_series(0, %(n)s - 1, 2) AS i
        """,
        {**params, "booked": booked.id},
    )
    cr.execute("ANALYZE studio_referral; ANALYZE calendar_event")
    env.invalidate_all()
    Referral = sudo_env["studio.referral"]

    def recheck():
        env.invalidate_all()
        Referral._cron_evaluate()
        sudo_env.flush_all()
        return Referral.search_count([("state", "=", "pending"), ("program_id", "=", program.id)])

    def floor():
        cr.execute(
            "SELECT COUNT(*) FROM studio_referral WHERE state IN ('pending', 'earned') AND program_id = %s",
            [program.id],
        )
        return cr.fetchone()[0]

    floor_time, waiting = timed(floor, repeat=3)
    recheck_time, still_waiting = timed(recheck, repeat=2)
    grants = sudo_env["studio.referral.grant"].search_count([("program_id", "=", program.id)])
    out(f"(h) Daily referral re-check: {waiting} waiting referrals evaluated in {recheck_time:.2f} s")
    out(f"    = {1000 * recheck_time / waiting:.3f} ms per referral; {still_waiting} still waiting, {grants} granted")
    out(f"(i) one SQL count of the same referrals: {1000 * floor_time:.1f} ms")
    out(f"    ratio (h)/(i) = {recheck_time / floor_time:.0f}")


# ----------------------------------------------------------------------
# Letters and reminders
# ----------------------------------------------------------------------

LETTER_CLIENTS = 1000
LETTER_REWARDS = 3  # rewards listed in each client's letter
REMINDER_REWARDS = 100000
REMINDER_DUE_EVERY = 97  # one reward in 97 expires within the status' days: ~1,030 due rewards and clients


def serve_http():
    """Odoo's HTTP server in a thread, as in production, so wkhtmltopdf fetches the letters' styles from it.

    Returns the URL to print reports from (the ``report.url`` parameter).
    """
    import socket

    from odoo.http import root
    from odoo.service import server
    from odoo.tools import config

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config["http_interface"], config["http_port"] = "127.0.0.1", port
    server.load_server_wide_modules()
    server.ThreadedServer(root).http_spawn()
    return f"http://127.0.0.1:{port}"


def measure_letters(env, out, report_url, count=LETTER_CLIENTS, per_client=LETTER_REWARDS):
    """The background letter job printing ``count`` clients' letters, with and without the rewards table."""
    import re

    from odoo.fields import Command
    from odoo.tools.pdf import PdfFileReader

    from odoo.addons.studio_loyalty.models.studio_loyalty_guard import transition

    # Odoo 19's asset code calls werkzeug.urls, deprecated in the pinned Werkzeug, at every print.
    warnings.filterwarnings("ignore", message=r"'werkzeug\.urls\.", category=DeprecationWarning)
    cr = env.cr
    company = env.company
    Param = env["ir.config_parameter"].sudo()
    Param.set_param("report.url", report_url)
    Param.set_param("studio_loyalty.letters_background_threshold", 0)  # every send goes to the background job
    cr.execute(
        """
        INSERT INTO studio_loyalty_reward (name, partner_id, commercial_partner_id, company_id, amount, balance,
                                           issue_date, expiration_date, state, origin,
                                           create_uid, write_uid, create_date, write_date)
        SELECT 'LR/LETTER/' || c.id || '/' || k, c.id, c.id, %(company)s, 10 + 5 * k, 10 + 5 * k,
               %(today)s::date - k, %(today)s::date + 30 * k, 'available', 'manual', %(uid)s, %(uid)s,
               NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM (SELECT id FROM res_partner WHERE name LIKE 'Bench Client %%' ORDER BY id LIMIT %(count)s) AS c,
               generate_series(1, %(per_client)s) AS k
        RETURNING partner_id, id
        """,
        {"company": company.id, "today": date.today(), "uid": env.uid, "count": count, "per_client": per_client},
    )
    per_partner = {}
    for partner_id, reward_id in cr.fetchall():
        per_partner.setdefault(partner_id, []).append(reward_id)
    messages = {partner_id: {"reward_ids": [Command.set(ids)]} for partner_id, ids in per_partner.items()}
    env.invalidate_all()
    Mailing = env["studio.loyalty.mailing"]
    template = Mailing._default_template("awarded")
    body = template.body_html
    plain_body = re.sub(r'<t t-out="object\.rewards_table"\s*(/>|>\s*</t>)', "", body)
    if plain_body == body or "rewards_table" in plain_body:
        out("    MISMATCH: the installed reward letter does not show object.rewards_table as expected")
    plain = template.copy({"name": "Reward letter without the rewards table (bench)", "body_html": plain_body})

    def job(letter_template, messages=messages):
        """Queue a send of the letters on ``letter_template``, then the background job prints it; rolled back."""
        savepoint = cr.savepoint()
        mailing = Mailing._prepare(
            "awarded", company, messages, name="Bench letters", print_letters=True,
            mail_template_id=letter_template.id,
        )  # fmt: skip
        mailing._send()
        env.flush_all()
        state = mailing.state
        start = time.perf_counter()
        Mailing._cron_send()
        env.flush_all()
        elapsed = time.perf_counter() - start
        pdf = mailing.letter_attachment_id.raw or b""
        pages = len(PdfFileReader(io.BytesIO(pdf)).pages) if pdf else 0
        listed = len(mailing.line_ids.reward_ids)
        result = (state, mailing.state, len(mailing.line_ids), listed, pages, len(pdf))
        savepoint.close(rollback=True)
        env.invalidate_all()
        return elapsed, result

    # A few letters of each first: the report's styles are built, the templates compiled.
    for warm_up in (plain, template):
        job(warm_up, dict(list(messages.items())[:10]))
    plain_time, plain_result = job(plain)
    table_time, table_result = job(template)
    clients = len(messages)
    out(
        f"(s) Background letter job (_cron_send), {clients} clients x {per_client} rewards, letters only: "
        f"{table_time:.1f} s = {1000 * table_time / clients:.0f} ms per letter "
        f"({table_result[4]} pages, {table_result[5] // 1024} KiB)"
    )
    out(f"(t) the same letters from a template without the rewards table: {plain_time:.1f} s ({plain_result[4]} pages)")
    out(f"    ratio (s)/(t) = {table_time / plain_time:.2f}  (the table costs little)")
    for name, (queued, done, lines, listed, pages, _size) in (("(s)", table_result), ("(t)", plain_result)):
        if (queued, done, lines, listed, pages) != ("queued", "done", clients, clients * per_client, clients):
            out(
                f"    MISMATCH {name}: send {queued} then {done}, {lines} letters listing {listed} rewards, "
                f"{pages} pages; expected {clients} letters of {per_client} rewards, one page each"
            )


REMINDERS_DUE_SQL = """
    SELECT COUNT(*)
      FROM studio_loyalty_reward r
      JOIN res_partner p ON p.id = r.partner_id
     WHERE p.client_status_id = %(status)s AND r.state = 'available'
       AND r.expiration_date BETWEEN %(today)s AND %(today)s::date + %(days)s
       AND NOT EXISTS (SELECT 1 FROM studio_loyalty_mailing_line_reward_rel rel
                         JOIN studio_loyalty_mailing_line l ON l.id = rel.line_id
                        WHERE rel.reward_id = r.id AND l.kind = 'expiring')
"""


def measure_reminders(env, out, rewards=REMINDER_REWARDS):
    """The daily expiry reminder job over ``rewards`` rewards, ~1% of them due, against counting the due ones."""
    cr = env.cr
    company = env.company
    today = date.today()
    status = env["studio.client.status"].create(
        {"name": "Reminded Client (bench)", "loyalty_enabled": True, "expiry_email": True, "expiry_days": 14}
    )
    env.flush_all()
    params = {
        "company": company.id,
        "status": status.id,
        "n": rewards,
        "every": REMINDER_DUE_EVERY,
        "today": today,
        "days": status.expiry_days,
        "uid": env.uid,
    }
    # The clients who hold no reward yet take the status and the rewards: 1
    # in 97 expires within its 14 days, the others later; one in ten was redeemed.
    elapsed, _r = timed(
        lambda: cr.execute(
            """
            CREATE TEMP TABLE bench_remind_client ON COMMIT DROP AS
            SELECT (ROW_NUMBER() OVER (ORDER BY id)) - 1 AS k, id FROM res_partner partner
             WHERE name LIKE 'Bench Client %%'
               AND NOT EXISTS (SELECT 1 FROM studio_loyalty_reward r WHERE r.partner_id = partner.id);
            UPDATE res_partner SET client_status_id = %(status)s WHERE id IN (SELECT id FROM bench_remind_client);
            INSERT INTO studio_loyalty_reward (name, partner_id, commercial_partner_id, company_id, amount, balance,
                                               issue_date, expiration_date, state, origin,
                                               create_uid, write_uid, create_date, write_date)
            SELECT 'LR/REMIND/' || j, c.id, c.id, %(company)s, 10 + (j %% 5) * 5,
                   CASE WHEN j %% 10 = 3 THEN 0 ELSE 10 + (j %% 5) * 5 END,
                   %(today)s::date - (j %% 300),
                   CASE WHEN j %% %(every)s = 0 THEN %(today)s::date + (j %% (%(days)s + 1))
                        ELSE %(today)s::date + %(days)s + 1 + (j * 7919 %% 700) END,
                   CASE WHEN j %% 10 = 3 THEN 'redeemed' ELSE 'available' END, 'manual',
                   %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM generate_series(1, %(n)s) AS j
              JOIN bench_remind_client c ON c.k = j %% (SELECT COUNT(*) FROM bench_remind_client);
            ANALYZE res_partner;
            ANALYZE studio_loyalty_reward;
            """,
            params,
        )
    )
    cr.execute("SELECT COUNT(*) FROM bench_remind_client")
    holders = cr.fetchone()[0]
    out(f"Reminders: {rewards} rewards of {holders} clients of a status that reminds ({elapsed:.1f} s by SQL)")
    env.invalidate_all()
    Mailing = env["studio.loyalty.mailing"]

    def count_due():
        cr.execute(REMINDERS_DUE_SQL, params)
        return cr.fetchone()[0]

    def remind():
        env.invalidate_all()
        Mailing._cron_remind()
        env.flush_all()

    count_time, due = timed(count_due, repeat=3)
    remind_time, _r = timed(remind)
    mailing = Mailing.search([("status_id", "=", status.id), ("kind", "=", "expiring")])
    lines = mailing.line_ids
    listed = len(lines.reward_ids)
    again_time, _r = timed(remind)
    mailings_after = Mailing.search_count([("status_id", "=", status.id)])
    out(
        f"(u) Daily reminder job (_cron_remind): {due} due rewards of {len(lines)} clients found among {rewards} "
        f"and written into one send in {remind_time:.2f} s (send {mailing.state or 'missing'}, for the letter job)"
    )
    out(f"    run again the same day: {again_time:.2f} s, {mailings_after - len(mailing)} new sends")
    out(f"(v) one SQL count of the due rewards: {1000 * count_time:.1f} ms")
    out(f"    ratio (u)/(v) = {remind_time / count_time:.0f}")
    if len(mailing) != 1 or listed != due or count_due() != 0 or mailings_after != 1:
        out(f"    MISMATCH: {len(mailing)} sends listing {listed} rewards for {due} due; {count_due()} still due")


# ----------------------------------------------------------------------
# Points (issue 16)
# ----------------------------------------------------------------------

# Points per currency unit of a sale line, by its product's class.
POINTS_RATES = {"service": 1, "retail": 2, "package": 3}
POINT_VALUE = 0.01
SPENT_POINTS = 500  # each "convert" line of the history: 5.00 of points turned into a reward


def generate_points(env, clients, lines, orders):
    """The points program on, a history of ``lines`` points ledger lines, and ``orders`` paid POS orders.

    History, by SQL: 12 done POS orders per client over the last year (before
    today), each with a service line and a retail or package line; each such
    source earned its points (earn, then mature a day later), one service
    source in ten had part of them taken back (clawback: its price was
    lowered), and clients spent points (convert) so that the points lines
    come to ``lines``. The ledger holds exactly what the engine computes for
    those sales now, so earning again writes nothing for them. Then
    ``orders`` paid POS orders of today, one per client, with the same two
    lines: what the earning measurement earns on. Returns ``(clients of the
    new orders, the points they should earn, the number of their sources)``.
    """
    cr = env.cr
    company = env.company
    today = date.today()
    program = env["studio.loyalty.points.program"]._for_company(company)
    program.write(
        {"enabled": True, "point_value": POINT_VALUE, "pending_hours": 24, "start_date": today - timedelta(days=365)}
    )
    Product = env["product.product"]
    products = {
        points_class: Product.create(
            {
                "name": f"Bench Points {points_class}",
                "type": "service" if points_class == "service" else "consu",
                "list_price": 50.0,
                "studio_points_class": points_class,
            }
        )
        for points_class in POINTS_RATES
    }
    env.flush_all()
    cr.execute("SELECT MIN(id) FROM res_partner WHERE name LIKE 'Bench Client %%'")
    first = cr.fetchone()[0]
    history = 12 * clients
    clawbacks = history // 10
    spent = lines - 4 * history - clawbacks
    if not 0 <= spent <= clients:
        raise ValueError(f"{lines} points ledger lines do not fit {clients} clients")
    params = {
        "company": company.id,
        "first": first,
        "clients": clients,
        "history": history,
        "orders": orders,
        "spent": spent,
        "spent_points": SPENT_POINTS,
        "value": POINT_VALUE,
        "today": today,
        "uid": env.uid,
        "service": products["service"].id,
        "retail": products["retail"].id,
        "package": products["package"].id,
        **{f"rate_{points_class}": rate for points_class, rate in POINTS_RATES.items()},
    }
    # One row per order: its client, day, state and two lines' amounts (the
    # second line retail, or package for one order in three).
    cr.execute(
        """
        CREATE TEMP TABLE bench_points_order ON COMMIT DROP AS
        SELECT j, %(first)s + (j %% %(clients)s) AS partner_id,
               %(today)s::date - 1 - (j %% 364) AS day, 'done' AS state,
               (30 + (j * 7) %% 100)::numeric AS service_amount,
               CASE WHEN j %% 3 = 0 THEN 'package' ELSE 'retail' END AS second_class,
               (10 + (j * 11) %% 60)::numeric AS second_amount, NULL::int AS order_id
          FROM generate_series(1, %(history)s) AS j
         UNION ALL
        SELECT %(history)s + i, %(first)s + i - 1, %(today)s::date, 'paid',
               (30 + (i * 7) %% 100)::numeric, CASE WHEN i %% 3 = 0 THEN 'package' ELSE 'retail' END,
               (10 + (i * 11) %% 60)::numeric, NULL
          FROM generate_series(1, %(orders)s) AS i;
        WITH created AS (
            INSERT INTO pos_order (name, company_id, partner_id, date_order, state, amount_tax,
                                   amount_total, amount_paid, amount_return, currency_rate,
                                   create_date, write_date)
            SELECT 'BENCH-POINTS/' || o.j, %(company)s, o.partner_id,
                   CASE WHEN o.state = 'paid' THEN NOW() AT TIME ZONE 'UTC' - interval '1 hour'
                        ELSE o.day + time '12:00' END,
                   o.state, (o.service_amount + o.second_amount) * 0.1,
                   (o.service_amount + o.second_amount) * 1.1, (o.service_amount + o.second_amount) * 1.1,
                   0, 1, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM bench_points_order o
          ORDER BY o.j
         RETURNING id, name
        )
        UPDATE bench_points_order o SET order_id = created.id
          FROM created WHERE created.name = 'BENCH-POINTS/' || o.j;
        CREATE TEMP TABLE bench_points_source ON COMMIT DROP AS
        SELECT o.*, s.points_class, s.amount,
               CASE s.points_class WHEN 'service' THEN %(service)s WHEN 'retail' THEN %(retail)s
                    ELSE %(package)s END AS product_id,
               CASE s.points_class WHEN 'service' THEN %(rate_service)s WHEN 'retail' THEN %(rate_retail)s
                    ELSE %(rate_package)s END AS rate,
               -- the part of a service source's price taken off after it earned (one in ten)
               CASE WHEN o.state = 'done' AND s.points_class = 'service' AND o.j %% 10 = 0 THEN 10 ELSE 0 END
                   AS lowered
          FROM bench_points_order o,
               LATERAL (VALUES ('service', o.service_amount), (o.second_class, o.second_amount))
                   AS s(points_class, amount);
        INSERT INTO pos_order_line (name, order_id, company_id, product_id, full_product_name, qty,
                                    price_unit, discount, price_subtotal, price_subtotal_incl,
                                    create_date, write_date)
        SELECT 'BENCH-POINTS/' || s.j || '/' || s.points_class, s.order_id, %(company)s, s.product_id,
               'Bench Points ' || s.points_class, 1, s.amount, 0, s.amount, s.amount * 1.1,
               NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM bench_points_source s
      ORDER BY s.j, s.points_class;
        -- The history's ledger: earned (pending a day), then redeemable, then part taken back.
        INSERT INTO studio_loyalty_move (date, company_id, partner_id, kind, origin, amount, reference,
                                         user_id, is_points, points, pending_points, available_at,
                                         source_key, points_rate, points_base, pos_order_id,
                                         create_uid, write_uid, create_date, write_date)
        SELECT LEAST(s.day + step.offset_days, %(today)s), %(company)s, s.partner_id, step.kind, 'points',
               ROUND(%(value)s * (step.points + step.pending), 2), 'BENCH-POINTS/' || s.j, %(uid)s, TRUE,
               step.points, step.pending,
               CASE WHEN step.kind = 'earn' THEN s.day + time '13:00' END,
               'pos:' || s.order_id || ':' || s.points_class,
               CASE WHEN step.kind != 'mature' THEN s.rate END,
               CASE WHEN step.kind = 'earn' THEN s.amount + s.lowered
                    WHEN step.kind = 'clawback' THEN s.amount END,
               s.order_id, %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM bench_points_source s,
               LATERAL (VALUES ('earn', 0, 0, s.rate * (s.amount + s.lowered)),
                               ('mature', 1, s.rate * (s.amount + s.lowered), -s.rate * (s.amount + s.lowered)),
                               ('clawback', 2, -s.rate * s.lowered, 0))
                   AS step(kind, offset_days, points, pending)
         WHERE s.state = 'done' AND (step.kind != 'clawback' OR s.lowered > 0)
      ORDER BY s.day, s.j, s.points_class, step.offset_days;
        -- Points spent: turned into a reward, one line for each of the first clients.
        INSERT INTO studio_loyalty_move (date, company_id, partner_id, kind, origin, amount, reference,
                                         user_id, is_points, points, pending_points,
                                         create_uid, write_uid, create_date, write_date)
        SELECT %(today)s::date - 1, %(company)s, %(first)s + k - 1, 'convert', 'points',
               -%(value)s * %(spent_points)s, 'LR/BENCH-POINTS/' || k, %(uid)s, TRUE, -%(spent_points)s, 0,
               %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM generate_series(1, %(spent)s) AS k;
        ANALYZE pos_order;
        ANALYZE pos_order_line;
        ANALYZE studio_loyalty_move;
        """,
        params,
    )
    cr.execute(
        "SELECT array_agg(DISTINCT partner_id), SUM(rate * amount), COUNT(*) FROM bench_points_source "
        "WHERE state = 'paid'"
    )
    partner_ids, expected, sources = cr.fetchone()
    env.invalidate_all()
    return env["res.partner"].browse(partner_ids), int(expected), sources


def measure_points(env, out, clients):
    """Points (issue 16) at ``clients`` clients with 50 points ledger lines each: list, balance, earning."""
    cr = env.cr
    orders = clients // 2
    elapsed, (buyers, expected, sources) = timed(lambda: generate_points(env, clients, 50 * clients, orders))
    cr.execute("SELECT COUNT(*) FILTER (WHERE is_points), COUNT(*) FROM studio_loyalty_move")
    points_lines, all_lines = cr.fetchone()
    out(
        f"Points: {points_lines} points ledger lines ({all_lines} ledger lines in all), {12 * clients} done and "
        f"{orders} paid POS orders with 2 lines each ({elapsed:.1f} s to generate by SQL)"
    )
    measure_points_list(env, out)
    measure_points_balance(env, out)
    measure_points_earning(env, out, buyers, expected, sources)


def measure_points_list(env, out):
    """The clients list with and without the points columns, at two page sizes: time and SQL queries."""
    partners = env["res.partner"].with_context(active_test=True)
    base_spec = {"display_name": {}, "client_status_id": {"fields": {"display_name": {}}}}
    points_spec = dict(base_spec, studio_points_redeemable={}, studio_points_pending={}, studio_points_lifetime={})
    domain = [("name", "like", "Bench Client")]

    def page(spec, rows):
        def run():
            env.invalidate_all()
            before = env.cr.sql_log_count
            result = partners.web_search_read(domain, spec, limit=rows)
            return env.cr.sql_log_count - before, result["records"]

        return run

    figures = {}
    for rows in (PAGE, 200):
        for name, spec in (("base", base_spec), ("points", points_spec)):
            figures[rows, name] = timed(page(spec, rows), repeat=5)
    held = sum(1 for record in figures[PAGE, "points"][1][1] if record["studio_points_redeemable"])
    for rows in (PAGE, 200):
        base_time, (base_queries, _r) = figures[rows, "base"]
        points_time, (points_queries, _r) = figures[rows, "points"]
        out(
            f"(n) Clients list, {rows} rows: name and status {base_time * 1000:.1f} ms / {base_queries} queries; "
            f"with points redeemable, pending, lifetime {points_time * 1000:.1f} ms / {points_queries} queries"
        )
        extra = points_queries - base_queries
        out(f"    ratio {points_time / base_time:.2f} in time, +{extra} queries for {rows} rows")
    out(f"    ({held} of the first {PAGE} clients hold redeemable points)")


BALANCE_SQL = """
    SELECT SUM(pending_points), SUM(points)
      FROM studio_loyalty_move
     WHERE is_points AND partner_id = %(client)s AND company_id = %(company)s
"""


def measure_points_balance(env, out, repeat=50):
    """One client's points balance by the engine against one hand-written SQL sum."""
    cr = env.cr
    company = env.company
    Points = env["studio.loyalty.points"]
    cr.execute(
        "SELECT partner_id, COUNT(*) FROM studio_loyalty_move WHERE is_points AND company_id = %s "
        "GROUP BY partner_id ORDER BY COUNT(*) DESC, partner_id LIMIT 1",
        [company.id],
    )
    client_id, count = cr.fetchone()
    client = env["res.partner"].browse(client_id)
    params = {"client": client_id, "company": company.id}
    queries = {}

    def sql_balance():
        cr.execute(BALANCE_SQL, params)
        return cr.fetchone()

    def balance(cold):
        def run():
            if cold:
                env.invalidate_all()  # the company and its currency read again, as in a new request
            before = cr.sql_log_count
            figures = Points._balances(client, company)[client_id]
            return cr.sql_log_count - before, figures

        return run

    def median(times):
        return 1000 * sorted(times)[len(times) // 2]

    # Alternately, so all meet the same machine load; the median of each.
    times = {"warm": [], "cold": [], "sql": []}
    for _i in range(repeat):
        for name, fn in (("warm", balance(False)), ("cold", balance(True)), ("sql", sql_balance)):
            elapsed, result = timed(fn)
            times[name].append(elapsed)
            if name == "sql":
                pending, redeemable = result
            else:
                queries[name], figures = result
    engine_ms, cold_ms, sql_ms = median(times["warm"]), median(times["cold"]), median(times["sql"])
    out(
        f"(o) One client's points balance (_balances, {count} ledger lines), median of {repeat}: {engine_ms:.2f} ms "
        f"/ {queries['warm']} query = {figures['redeemable']} redeemable, {figures['pending']} pending, "
        f"{figures['lifetime']} lifetime; {cold_ms:.2f} ms / {queries['cold']} queries with the ORM cache emptied"
    )
    out(f"(p) hand-written SQL SUM: {sql_ms:.2f} ms = {redeemable} redeemable, {pending} pending")
    out(f"    ratio (o)/(p) = {engine_ms / sql_ms:.2f}")
    if (figures["redeemable"], figures["pending"]) != (redeemable, pending):
        out("    MISMATCH: the engine's balance is not the SQL sum")


def measure_points_earning(env, out, buyers, expected, sources):
    """Earning on the paid POS orders in one batch, with the per-unit rules on against all rules off."""
    cr = env.cr
    company = env.company
    Points = env["studio.loyalty.points"]
    program = env["studio.loyalty.points.program"]._for_company(company)
    rules = (
        env["studio.loyalty.points.rule"]
        .sudo()
        .search([("program_id", "=", program.id), ("action", "in", list(POINTS_RATES))])
    )
    for rule in rules:
        rule.points = POINTS_RATES[rule.action]
    env.flush_all()

    def earn(rules_on):
        rules.write({"is_active": rules_on})
        env.flush_all()
        env.invalidate_all()
        savepoint = cr.savepoint()
        start = time.perf_counter()
        lines = Points._earn(company, buyers)
        env.flush_all()
        elapsed = time.perf_counter() - start
        written = (len(lines), sum(lines.mapped("pending_points")), sorted(set(lines.mapped("kind"))))
        savepoint.close(rollback=True)
        env.invalidate_all()
        return elapsed, written

    # Alternately, so both meet the same machine load; the best of each.
    off_times, on_times = [], []
    for _attempt in range(2):
        off_time, off_written = earn(False)
        on_time, on_written = earn(True)
        off_times.append(off_time)
        on_times.append(on_time)
    off_time, on_time = min(off_times), min(on_times)
    count, points, kinds = on_written
    out(
        f"(q) Earning on {len(buyers)} paid POS orders of {len(buyers)} clients in one batch (_earn, best of 2): "
        f"{on_time:.2f} s, {count} earn lines for {points} points"
    )
    out(f"(r) the same call with no points rule active: {off_time:.2f} s, {off_written[0]} lines")
    out(f"    ratio (q)/(r) = {on_time / off_time:.2f}")
    if (count, points, kinds) != (sources, expected, ["earn"]) or off_written[0]:
        out(
            f"    MISMATCH: expected {sources} earn lines for {expected} points, got {count} lines "
            f"({', '.join(kinds)}) for {points}; {off_written[0]} lines with no rule active"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--clients", type=int, default=20000)
    args = parser.parse_args()
    if args.clients < 10:
        parser.error("--clients must be at least 10")

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)

    def out(line):
        print(line, flush=True)

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        elapsed, _r = timed(lambda: generate(env, args.clients))
        out(
            f"Generated {args.clients} clients (half loyalty-enabled), {8 * args.clients} invoices and "
            f"credit notes, {2 * args.clients} POS orders, {args.clients // 2} rewards in {elapsed:.1f} s"
        )
        cr.commit()
        admin = env.ref("base.user_admin")
        admin.group_ids |= env.ref("studio_loyalty.studio_loyalty_group_manager")
        user_env = api.Environment(cr, admin.id, {"lang": "en_US", "tz": "UTC"})
        measure_clients_list(user_env, out)
        measure_process(user_env, out)
        cr.rollback()  # the POS figures start from the generated data, not from a processed run
        measure_pos(api.Environment(cr, admin.id, {"lang": "en_US", "tz": "UTC"}), out)
        cr.rollback()
        measure_referrals(api.Environment(cr, admin.id, {"lang": "en_US", "tz": "UTC"}), out)
        cr.rollback()
        measure_letters(api.Environment(cr, admin.id, {"lang": "en_US", "tz": "UTC"}), out, serve_http())
        cr.rollback()
        measure_reminders(api.Environment(cr, admin.id, {"lang": "en_US", "tz": "UTC"}), out)
        cr.rollback()
        measure_reports(api.Environment(cr, admin.id, {"lang": "en_US", "tz": "UTC"}), out)
        cr.rollback()
        measure_points(api.Environment(cr, admin.id, {"lang": "en_US", "tz": "UTC"}), out, args.clients)
        cr.rollback()  # keep the generated data only, for another look


if __name__ == "__main__":
    main()
