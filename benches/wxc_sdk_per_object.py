#!/usr/bin/env python3
"""The "obvious alternative" to Switchboard, for the scale benchmark: a one-off bulk script on the
Webex Python SDK (wxc-sdk) that, for every desired object, looks it up with its own GET(s) and
creates it when missing, on a thread pool.

Per site i (`Site 0001`, …) it wants the same four objects as the manifests that
`switchboard sandbox seed --manifests` generates (src/cli/sandbox_seed.rs):
  trunk `<site> SBC` (REGISTERING) → route group `<site> RG` → dial plan `<site> Plan`,
  and the business-hours schedule `Office Hours` with one weekly event `Weekdays`.
It never compares an existing object with the desired one: "exists" is enough, as in a typical
script. The last line printed is one JSON object (see `main`).

Usage:
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install 'wxc-sdk>=1.41'
    switchboard sandbox serve --port 0 --sandbox-dir /tmp/wxbench      # prints its URL
    /tmp/venv/bin/python benches/wxc_sdk_per_object.py \\
        --base-url http://127.0.0.1:PORT/v1 --locations 100 --concurrency 8 \\
        --stats-url http://127.0.0.1:PORT/_sandbox/stats
"""

import argparse
import datetime
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from wxc_sdk import WebexSimpleApi
from wxc_sdk.common import RouteType
from wxc_sdk.common.schedules import Event, RecurWeekly, Recurrence, Schedule, ScheduleType
from wxc_sdk.rest import RestError
from wxc_sdk.telephony.prem_pstn.route_group import RGTrunk, RouteGroup
from wxc_sdk.telephony.prem_pstn.trunk import TrunkType

TRUNK_PASSWORD = 'Sandbox-Only-Passw0rd'
TRUNK_MAX_CONCURRENT_CALLS = 50
SCHEDULE_NAME = 'Office Hours'
EVENT_NAME = 'Weekdays'


def dial_patterns(i: int) -> list[str]:
    """The dial patterns of site i: the same as src/cli/sandbox_seed.rs `site_manifests`, so the
    two tools want the same org. Unique per site (a pattern may belong to one dial plan only) and
    valid for both Switchboard's schema (`^(\\+[0-9X]{2,15}|[0-9X*#]{1,30})!?$`) and the sandbox
    (crates/sandbox/src/routes/dial_patterns.rs: `+`, a non-zero digit, at most 15 digits/X; or
    enterprise digits, at most 20): an E.164 block of 100 numbers and an enterprise block of 10."""
    return [f'+1999{i:05}XX', f'7{i:05}X']


def office_hours() -> Schedule:
    """Mon–Fri 09:00–18:00, forever (the generated manifests' `Office Hours`)."""
    weekdays = RecurWeekly(monday=True, tuesday=True, wednesday=True, thursday=True, friday=True)
    first = datetime.date(2026, 1, 5)
    event = Event(name=EVENT_NAME, start_date=first, end_date=first,
                  start_time=datetime.time(9, 0), end_time=datetime.time(18, 0),
                  recurrence=Recurrence(recur_for_ever=True, recur_weekly=weekdays))
    return Schedule(name=SCHEDULE_NAME, schedule_type=ScheduleType.business_hours, events=[event])


class Tally:
    """Outcome counters shared by the worker threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.created = self.existing = self.failed = 0

    def add(self, outcome: str, n: int = 1):
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + n)


def report_failure(site: str, what: str, error: Exception):
    detail = error
    if isinstance(error, RestError):
        detail = f'{error.response.status_code} {error.description or error}'
    print(f'{site}: {what} failed: {detail}', file=sys.stderr)


def ensure_site(api: WebexSimpleApi, i: int, site: str, tally: Tally):
    """Look up each of the site's objects and create the missing ones, in dependency order."""
    pstn = api.telephony.prem_pstn
    try:
        location = api.locations.by_name(site)
        if location is None:
            raise LookupError(f'no location named {site!r}')
    except Exception as e:  # noqa: BLE001 - count it and go on with the other sites
        report_failure(site, 'location lookup', e)
        tally.add('failed', 4)
        return
    location_id = location.location_id

    # Trunk → route group → dial plan: a failure fails the objects that depend on it.
    try:
        name = f'{site} SBC'
        trunk = next((t for t in pstn.trunk.list(name=name) if t.name == name), None)
        if trunk is None:
            trunk_id = pstn.trunk.create(name=name, location_id=location_id, password=TRUNK_PASSWORD,
                                         trunk_type=TrunkType.registering,
                                         max_concurrent_calls=TRUNK_MAX_CONCURRENT_CALLS)
            tally.add('created')
        else:
            trunk_id = trunk.trunk_id
            tally.add('existing')
    except Exception as e:  # noqa: BLE001
        report_failure(site, 'trunk', e)
        tally.add('failed', 3)
    else:
        try:
            name = f'{site} RG'
            group = next((g for g in pstn.route_group.list(name=name) if g.name == name), None)
            if group is None:
                rg = RouteGroup(name=name, local_gateways=[RGTrunk(trunk_id=trunk_id, priority=1)])
                rg_id = pstn.route_group.create(route_group=rg)
                tally.add('created')
            else:
                rg_id = group.rg_id
                tally.add('existing')
        except Exception as e:  # noqa: BLE001
            report_failure(site, 'route group', e)
            tally.add('failed', 2)
        else:
            try:
                name = f'{site} Plan'
                plan = next((d for d in pstn.dial_plan.list(dial_plan_name=name) if d.name == name), None)
                if plan is None:
                    result = pstn.dial_plan.create(name=name, route_id=rg_id, route_type=RouteType.route_group,
                                                   dial_patterns=dial_patterns(i))
                    if result.dial_pattern_errors:
                        # The plan exists now, but not as wanted.
                        raise ValueError(f'patterns rejected: {result.dial_pattern_errors}')
                    tally.add('created')
                else:
                    tally.add('existing')
            except Exception as e:  # noqa: BLE001
                report_failure(site, 'dial plan', e)
                tally.add('failed')

    # The schedule depends only on the location.
    try:
        schedules = api.telephony.schedules
        found = next((s for s in schedules.list(obj_id=location_id, schedule_type=ScheduleType.business_hours,
                                                name=SCHEDULE_NAME) if s.name == SCHEDULE_NAME), None)
        if found is None:
            schedules.create(obj_id=location_id, schedule=office_hours())
            tally.add('created')
        else:
            tally.add('existing')
    except Exception as e:  # noqa: BLE001
        report_failure(site, 'schedule', e)
        tally.add('failed')


def read_stats(url: str):
    """`requests` from the sandbox's admin endpoint, or None when it is absent or unreadable."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(json.load(response)['requests'])
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError):
        return None


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--base-url', required=True, help='API base, e.g. http://127.0.0.1:PORT/v1')
    p.add_argument('--token', default='sandbox', help='bearer token (any value works on the sandbox)')
    p.add_argument('--locations', type=int, default=0, help='sites 1..N, named "Site 0001"…')
    p.add_argument('--site-names', help='comma-separated location names to use instead of --locations '
                                        '(site i is the i-th name, for its dial patterns)')
    p.add_argument('--concurrency', type=int, default=8, help='worker threads (default: 8)')
    p.add_argument('--stats-url', help='e.g. http://127.0.0.1:PORT/_sandbox/stats: report the request delta')
    args = p.parse_args(argv)
    if args.site_names:
        args.sites = [n.strip() for n in args.site_names.split(',') if n.strip()]
    else:
        args.sites = [f'Site {i:04}' for i in range(1, args.locations + 1)]
    if not args.sites:
        p.error('give --locations N (N ≥ 1) or --site-names')
    if args.concurrency < 1:
        p.error('--concurrency must be at least 1')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    # The SDK's own limit on parallel requests (and its connection pool) follows the thread pool,
    # so the pool is the only throttle; 429s are retried by the SDK as usual.
    api = WebexSimpleApi(tokens=args.token, concurrent_requests=args.concurrency)
    api.session.BASE = args.base_url.rstrip('/')
    client_requests = [0]
    count_lock = threading.Lock()

    def count(response, *_args, **_kwargs):
        with count_lock:
            client_requests[0] += 1

    api.session.hooks['response'].append(count)

    before = read_stats(args.stats_url) if args.stats_url else None
    tally = Tally()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        for future in [pool.submit(ensure_site, api, i, site, tally) for i, site in enumerate(args.sites, 1)]:
            future.result()
    seconds = time.monotonic() - started
    after = read_stats(args.stats_url) if args.stats_url else None

    result = {
        'tool': 'wxc-sdk-per-object',
        'objects': 4 * len(args.sites),
        'created': tally.created,
        'existing': tally.existing,
        'failed': tally.failed,
        'seconds': round(seconds, 3),
        'client_requests': client_requests[0],
    }
    if args.stats_url:
        result['requests'] = after - before if before is not None and after is not None else None
    print(json.dumps(result))
    return 1 if tally.failed else 0


if __name__ == '__main__':
    sys.exit(main())
