#!/usr/bin/env python3
"""The script a Webex admin writes today to change call forwarding for a list of users, for the
people benchmark (benches/people.py, figure 3): for each row of a CSV (email, destination) it
finds the person by email, reads their forwarding, sets "always" to the destination and PUTs the
whole setting back, on a thread pool. The last line printed is one JSON object.

Usage:
    /tmp/switchboard-wxc-venv/bin/python benches/wxc_sdk_forwarding_csv.py \\
        --base-url http://127.0.0.1:PORT/v1 --csv changes.csv --concurrency 8
"""

import argparse
import csv
import json
import time
from concurrent.futures import ThreadPoolExecutor

from wxc_sdk import WebexSimpleApi


def change(api, email, destination):
    person = next(iter(api.people.list(email=email)), None)
    if person is None:
        return 'missing'
    forwarding = api.person_settings.forwarding.read(person.person_id)
    forwarding.call_forwarding.always.enabled = True
    forwarding.call_forwarding.always.destination = destination
    api.person_settings.forwarding.configure(person.person_id, forwarding)
    return 'changed'


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--base-url', required=True)
    p.add_argument('--csv', required=True)
    p.add_argument('--concurrency', type=int, default=8)
    args = p.parse_args()
    api = WebexSimpleApi(tokens='bench', concurrent_requests=args.concurrency, retry_429=True)
    api.session.BASE = args.base_url
    with open(args.csv, newline='') as f:
        rows = [(r['email'], r['destination']) for r in csv.DictReader(f)]
    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        outcomes = list(pool.map(lambda r: change(api, *r), rows))
    print(json.dumps({'rows': len(rows), 'changed': outcomes.count('changed'),
                      'missing': outcomes.count('missing'),
                      'seconds': round(time.perf_counter() - started, 2)}))


if __name__ == '__main__':
    main()
