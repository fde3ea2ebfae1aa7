#!/usr/bin/env python3
"""Conformance check: drive the Switchboard sandbox with the real Webex Python SDK (wxc-sdk).

Usage:
    pip install wxc-sdk
    cargo run -p switchboard-sandbox --example serve -- 0 &   # prints "listening on <url>"
    SANDBOX_URL=http://127.0.0.1:PORT/v1 python3 tests/wxc_sdk/test_sandbox.py

Plain script (no pytest): each check is a function; the last line printed is
"N passed, M failed" and the exit status is non-zero when anything failed.
"""

import os
import sys
import traceback
import uuid

from wxc_sdk import WebexSimpleApi
from wxc_sdk.common import NumberState, RouteIdentity, RouteType
from wxc_sdk.common.schedules import Event, Schedule, ScheduleType
from wxc_sdk.licenses import LicenseProperties, LicenseRequest, LicenseRequestOperation
from wxc_sdk.people import Person
from wxc_sdk.person_settings.call_recording import CallRecordingSetting, Record
from wxc_sdk.person_settings.dnd import DND
from wxc_sdk.person_settings.exec_assistant import ExecAssistantType
from wxc_sdk.person_settings.forwarding import PersonForwardingSetting
from wxc_sdk.person_settings.monitoring import MonitoredElement, MonitoredElementMember, Monitoring
from wxc_sdk.person_settings.permissions_out import Action, CallTypePermission
from wxc_sdk.telephony.pstn import PSTNType
from wxc_sdk.rest import RestError
from wxc_sdk.telephony.location.internal_dialing import InternalDialing
from wxc_sdk.telephony.prem_pstn.route_group import RGTrunk, RouteGroup
from wxc_sdk.telephony.prem_pstn.trunk import TrunkType
from wxc_sdk.workspaces import CallingType, Workspace, WorkspaceCalling, WorkspaceWebexCalling

SUFFIX = uuid.uuid4().hex[:8]
CHECKS = []
STATE = {}


def check(fn):
    CHECKS.append(fn)
    return fn


def make_api() -> WebexSimpleApi:
    url = os.environ.get('SANDBOX_URL')
    if not url:
        sys.exit('SANDBOX_URL is not set (e.g. http://127.0.0.1:PORT/v1)')
    api = WebexSimpleApi(tokens='sandbox-token')
    api.session.BASE = url.rstrip('/')
    return api


@check
def list_locations(api):
    locations = list(api.locations.list())
    assert len(locations) >= 3, locations
    names = {loc.name for loc in locations}
    assert {'Austin HQ', 'London Office', 'Madrid Branch'} <= names, names
    STATE['austin'] = next(loc for loc in locations if loc.name == 'Austin HQ')


@check
def create_and_find_location(api):
    name = f'SDK Test {SUFFIX}'
    location_id = api.locations.create(
        name=name,
        time_zone='America/New_York',
        preferred_language='en_us',
        announcement_language='en_us',
        address1='1 Main St',
        city='Boston',
        state='MA',
        postal_code='02110',
        country='US',
    )
    assert location_id
    found = api.locations.by_name(name)
    assert found is not None and found.location_id == location_id, found
    details = api.locations.details(location_id)
    assert details.name == name and details.time_zone == 'America/New_York'
    assert details.address.city == 'Boston'
    calling = api.telephony.location.details(location_id)
    assert calling.location_id == location_id
    STATE['location_id'] = location_id


@check
def list_people(api):
    people = list(api.people.list())
    assert len(people) >= 60, len(people)
    austin = list(api.people.list(location_id=STATE['austin'].location_id, calling_data=True))
    assert austin and all(p.location_id == STATE['austin'].location_id for p in austin)
    first = people[0]
    by_email = list(api.people.list(email=first.emails[0]))
    assert [p.person_id for p in by_email] == [first.person_id]


@check
def paginate_people(api):
    # A small page size forces the SDK to follow several Link headers.
    people = list(api.people.list(max=7))
    assert len(people) >= 60, len(people)
    assert len({p.person_id for p in people}) == len(people)


@check
def list_licenses(api):
    names = {lic.name for lic in api.licenses.list()}
    assert 'Webex Calling - Professional' in names, names


@check
def list_numbers(api):
    numbers = list(api.telephony.phone_numbers(location_id=STATE['austin'].location_id, available=True))
    assert numbers and all(n.owner is None for n in numbers)
    assert all(n.location.id == STATE['austin'].location_id for n in numbers)


@check
def create_trunk(api):
    name = f'SDK Trunk {SUFFIX}'
    trunk_id = api.telephony.prem_pstn.trunk.create(
        name=name,
        location_id=STATE['location_id'],
        password='P@ssw0rd123',
        trunk_type=TrunkType.registering,
    )
    trunks = list(api.telephony.prem_pstn.trunk.list(name=name))
    assert [t.trunk_id for t in trunks] == [trunk_id], trunks
    assert trunks[0].in_use is False
    details = api.telephony.prem_pstn.trunk.details(trunk_id)
    assert details.name == name and details.location.id == STATE['location_id']
    STATE['trunk_id'] = trunk_id


@check
def create_route_group(api):
    name = f'SDK RG {SUFFIX}'
    rg = RouteGroup(name=name, local_gateways=[RGTrunk(trunk_id=STATE['trunk_id'], priority=1)])
    rg_id = api.telephony.prem_pstn.route_group.create(route_group=rg)
    groups = list(api.telephony.prem_pstn.route_group.list(name=name))
    assert [g.rg_id for g in groups] == [rg_id], groups
    details = api.telephony.prem_pstn.route_group.details(rg_id)
    assert [gw.trunk_id for gw in details.local_gateways] == [STATE['trunk_id']]
    trunk = next(t for t in api.telephony.prem_pstn.trunk.list() if t.trunk_id == STATE['trunk_id'])
    assert trunk.in_use is True
    STATE['rg_id'] = rg_id


@check
def dial_plan(api):
    dp = api.telephony.prem_pstn.dial_plan
    result = dp.create(name=f'SDK DP {SUFFIX}', route_id=STATE['rg_id'], route_type=RouteType.route_group,
                       dial_patterns=['+1408XXXXXXX', 'bad!'])
    assert [e.dial_pattern for e in result.dial_pattern_errors] == ['bad!'], result
    assert list(dp.patterns(result.dial_plan_id)) == ['+1408XXXXXXX']
    dp.delete_dial_plan(result.dial_plan_id)


@check
def internal_dialing(api):
    setting = InternalDialing(
        enable_unknown_extension_route_policy=True,
        unknown_extension_route_identity=RouteIdentity(route_id=STATE['rg_id'], route_type=RouteType.route_group),
    )
    api.telephony.location.internal_dialing.update(STATE['location_id'], setting)
    back = api.telephony.location.internal_dialing.read(STATE['location_id'])
    assert back.enable_unknown_extension_route_policy is True
    assert back.unknown_extension_route_identity.name == f'SDK RG {SUFFIX}'
    api.telephony.location.internal_dialing.update(
        STATE['location_id'], InternalDialing(enable_unknown_extension_route_policy=False))


@check
def schedules(api):
    location_id = STATE['location_id']
    assert list(api.telephony.schedules.list(obj_id=location_id)) == []
    schedule = Schedule.business(name=f'BH {SUFFIX}')
    schedule_id = api.telephony.schedules.create(obj_id=location_id, schedule=schedule)
    listed = list(api.telephony.schedules.list(obj_id=location_id))
    assert [s.schedule_id for s in listed] == [schedule_id], listed
    details = api.telephony.schedules.details(obj_id=location_id, schedule_type=ScheduleType.business_hours,
                                              schedule_id=schedule_id)
    assert len(details.events) == 10, details.events
    details.new_name = f'BH2 {SUFFIX}'
    new_id = api.telephony.schedules.update(obj_id=location_id, schedule=details)
    assert new_id != schedule_id
    holidays = Schedule(name=f'Holidays {SUFFIX}', schedule_type=ScheduleType.holidays, events=[])
    holidays_id = api.telephony.schedules.create(obj_id=location_id, schedule=holidays)
    import datetime
    event = Event(name='New Year', start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 1, 1),
                  all_day_enabled=True)
    event_id = api.telephony.schedules.event_create(obj_id=location_id, schedule_type=ScheduleType.holidays,
                                                    schedule_id=holidays_id, event=event)
    got = api.telephony.schedules.event_details(obj_id=location_id, schedule_type=ScheduleType.holidays,
                                                schedule_id=holidays_id, event_id=event_id)
    assert got.name == 'New Year' and got.all_day_enabled is True
    names = sorted(s.name for s in api.telephony.schedules.list(obj_id=location_id))
    assert names == sorted([f'BH2 {SUFFIX}', f'Holidays {SUFFIX}']), names


@check
def workspaces(api):
    location_id = STATE['austin'].location_id
    number = next(
        n.phone_number
        for n in api.telephony.phone_numbers(location_id=location_id, available=True)
        if n.state == 'ACTIVE'
    )
    name = f'SDK Lobby {SUFFIX}'
    settings = Workspace(
        display_name=name,
        location_id=location_id,
        calling=WorkspaceCalling(
            type=CallingType.webex,
            webex_calling=WorkspaceWebexCalling(phone_number=number, extension='7100', location_id=location_id),
        ),
    )
    created = api.workspaces.create(settings=settings)
    assert created.workspace_id and created.calling.webex_calling.phone_number == number, created
    found = list(api.workspaces.list(display_name=name))
    assert [w.workspace_id for w in found] == [created.workspace_id], found
    details = api.workspaces.details(created.workspace_id)
    assert details.location_id == location_id and details.calling.webex_calling.extension == '7100'
    details.display_name = f'{name} 2'
    updated = api.workspaces.update(workspace_id=created.workspace_id, settings=details)
    assert updated.display_name == f'{name} 2' and updated.location_id == location_id
    forwarding = api.workspace_settings.forwarding.read(created.workspace_id)
    assert forwarding.call_forwarding.always.enabled is False
    api.workspaces.delete_workspace(created.workspace_id)
    assert not list(api.workspaces.list(display_name=name))

@check
def pstn_connection(api):
    location_id = STATE['location_id']
    options = api.telephony.pstn.list(location_id)
    types = {o.pstn_connection_type for o in options}
    assert {PSTNType.local_gateway, PSTNType.non_integrated_ccp, PSTNType.cisco_pstn} <= types, types
    assert any(o.route_id == STATE['trunk_id'] for o in options), options
    STATE['non_integrated'] = next(o.id for o in options if o.pstn_connection_type == PSTNType.non_integrated_ccp)
    api.telephony.pstn.configure(location_id, premise_route_type='TRUNK', premise_route_id=STATE['trunk_id'])
    conn = api.telephony.pstn.read(location_id)
    assert conn.pstn_connection_type == PSTNType.local_gateway and conn.route_id == STATE['trunk_id'], conn
    assert api.telephony.location.details(location_id).connection.id == STATE['trunk_id']
    try:
        integrated = next(o.id for o in options if o.pstn_connection_type == PSTNType.integrated_ccp)
        api.telephony.pstn.configure(location_id, id=integrated)
    except RestError as e:
        assert e.response.status_code == 400
    else:
        raise AssertionError('integrated CCP must be refused')


@check
def location_numbers(api):
    location_id = STATE['location_id']
    numbers = ['+16175550101', '+16175550102', '+16175550103']
    api.telephony.location.number.add(location_id, numbers)
    listed = {n.phone_number: n for n in api.telephony.phone_numbers(location_id=location_id)}
    assert set(numbers) <= set(listed), listed
    assert all(listed[n].state == NumberState.inactive for n in numbers)
    api.telephony.location.number.activate(location_id, numbers)
    active = [n.phone_number for n in api.telephony.phone_numbers(location_id=location_id, state='ACTIVE')]
    assert set(numbers) <= set(active), active
    api.telephony.location.number.remove(location_id, [numbers[2]])
    assert numbers[2] not in {n.phone_number for n in api.telephony.phone_numbers(location_id=location_id)}
    STATE['numbers'] = numbers[:2]


@check
def license_assignment(api):
    location_id = STATE['location_id']
    email = f'sdk.{SUFFIX}@example.com'
    person = api.people.create(settings=Person(emails=[email], display_name=f'SDK Person {SUFFIX}',
                                                first_name='SDK', last_name='Person'))
    pro = next(lic for lic in api.licenses.list() if lic.name == 'Webex Calling - Professional')
    before = pro.consumed_units
    number = STATE['numbers'][0]
    result = api.licenses.assign_licenses_to_users(
        person_id=person.person_id,
        licenses=[LicenseRequest(id=pro.license_id, operation=LicenseRequestOperation.add,
                                 properties=LicenseProperties(location_id=location_id, phone_number=number,
                                                              extension='8100'))])
    assert result.person_id == person.person_id and pro.license_id in result.licenses, result
    details = api.people.details(person.person_id, calling_data=True)
    assert details.location_id == location_id and details.extension == '8100', details
    assert api.licenses.details(pro.license_id).consumed_units == before + 1
    owner = next(n.owner for n in api.telephony.phone_numbers(phone_number=number))
    assert owner.owner_id == person.person_id, owner
    # An owned number cannot be removed from the location; a taken one cannot be assigned again.
    try:
        api.telephony.location.number.remove(location_id, [number])
    except RestError as e:
        assert e.response.status_code == 400
    else:
        raise AssertionError('removing an owned number must fail')
    other = api.people.create(settings=Person(emails=[f'sdk2.{SUFFIX}@example.com'], display_name='SDK Two'))
    try:
        api.licenses.assign_licenses_to_users(
            person_id=other.person_id,
            licenses=[LicenseRequest(id=pro.license_id, properties=LicenseProperties(phone_number=number))])
    except RestError as e:
        assert e.response.status_code == 409 and e.code == 8363, e
    else:
        raise AssertionError('a taken number must be refused')
    STATE['person_id'] = person.person_id


@check
def person_forwarding_and_recording(api):
    person_id = STATE['person_id']
    fwd = api.person_settings.forwarding.read(person_id)
    assert fwd.call_forwarding.always.enabled is False and fwd.call_forwarding.no_answer.number_of_rings == 3
    fwd.call_forwarding.always.enabled = True
    fwd.call_forwarding.always.destination = '+16175559999'
    api.person_settings.forwarding.configure(person_id, fwd)
    back = api.person_settings.forwarding.read(person_id)
    assert back.call_forwarding.always.enabled is True
    assert back.call_forwarding.always.destination == '+16175559999'
    rec = api.person_settings.call_recording.read(person_id)
    assert rec.enabled is False and rec.record == Record.never
    rec.enabled = True
    rec.record = Record.always
    api.person_settings.call_recording.configure(person_id, rec)
    back = api.person_settings.call_recording.read(person_id)
    assert back.enabled is True and back.record == Record.always, back


@check
def person_monitoring_and_executive(api):
    person_id = STATE['person_id']
    austin = STATE['austin'].location_id
    target = next(p for p in api.people.list(location_id=austin, calling_data=True))
    settings = Monitoring(call_park_notification_enabled=True,
                          monitored_elements=[MonitoredElement(member=MonitoredElementMember(member_id=target.person_id))])
    api.person_settings.monitoring.configure(person_id, settings)
    back = api.person_settings.monitoring.read(person_id)
    assert back.call_park_notification_enabled is True
    assert [m.member_id for m in back.monitored_members] == [target.person_id], back
    assert api.person_settings.exec_assistant.read(person_id) == ExecAssistantType.unassigned
    api.person_settings.exec_assistant.configure(person_id, ExecAssistantType.executive)
    assert api.person_settings.exec_assistant.read(person_id) == ExecAssistantType.executive
    api.person_settings.executive.update_assigned_assistants(person_id, [target.person_id])
    assistants = api.person_settings.executive.assigned_assistants(person_id)
    assert [a.id for a in assistants] == [target.person_id], assistants


@check
def person_outgoing_permission(api):
    person_id = STATE['person_id']
    perms = api.person_settings.permissions_out.read(person_id)
    assert perms.use_custom_enabled is False
    perms.use_custom_enabled = True
    perms.use_custom_permissions = True
    perms.calling_permissions.international = CallTypePermission(action=Action.block, transfer_enabled=False)
    api.person_settings.permissions_out.configure(person_id, perms)
    back = api.person_settings.permissions_out.read(person_id)
    assert back.use_custom_enabled is True
    assert back.calling_permissions.international.action == Action.block
    # The older path serves the same stored setting.
    old = api.session.rest_get(f'{api.session.BASE}/people/{person_id}/features/outgoingPermission')
    assert old['useCustomEnabled'] is True, old


@check
def person_waiting_dnd_voicemail(api):
    person_id = STATE['person_id']
    assert api.person_settings.call_waiting.read(person_id) is True
    api.person_settings.call_waiting.configure(person_id, False)
    assert api.person_settings.call_waiting.read(person_id) is False
    dnd = api.person_settings.dnd.read(person_id)
    assert dnd.enabled is False
    api.person_settings.dnd.configure(person_id, DND(enabled=True, ring_splash_enabled=True))
    dnd = api.person_settings.dnd.read(person_id)
    assert dnd.enabled is True and dnd.ring_splash_enabled is True
    vm = api.person_settings.voicemail.read(person_id)
    assert vm.enabled is True and vm.send_unanswered_calls.number_of_rings == 3
    vm.send_unanswered_calls.number_of_rings = 6
    vm.send_all_calls.enabled = True
    api.person_settings.voicemail.configure(person_id, vm)
    vm = api.person_settings.voicemail.read(person_id)
    assert vm.send_unanswered_calls.number_of_rings == 6 and vm.send_all_calls.enabled is True
    numbers = api.person_settings.numbers.read(person_id)
    assert numbers.phone_numbers[0].direct_number == STATE['numbers'][0], numbers


@check
def recording_unavailable_on_basic(api):
    basic = next(lic for lic in api.licenses.list() if lic.name == 'Webex Calling - Basic')
    person = api.people.create(settings=Person(emails=[f'basic.{SUFFIX}@example.com'], display_name='SDK Basic'))
    api.licenses.assign_licenses_to_users(
        person_id=person.person_id,
        licenses=[LicenseRequest(id=basic.license_id,
                                 properties=LicenseProperties(location_id=STATE['location_id'], extension='8200'))])
    try:
        api.person_settings.call_recording.read(person.person_id)
    except RestError as e:
        assert e.response.status_code == 400 and e.code == 4410, e
    else:
        raise AssertionError('call recording must be unavailable on Basic')


@check
def location_outgoing_permission(api):
    location_id = STATE['location_id']
    perms = api.telephony.location.permissions_out.read(location_id)
    perms.use_custom_enabled = True
    perms.calling_permissions.premium_services_i = CallTypePermission(action=Action.block, transfer_enabled=False)
    api.telephony.location.permissions_out.configure(location_id, perms)
    back = api.telephony.location.permissions_out.read(location_id)
    assert back.calling_permissions.premium_services_i.action == Action.block


@check
def pstn_connection_to_provider(api):
    # Frees the trunk for cleanup: the location moves to the non-integrated CCP option.
    location_id = STATE['location_id']
    api.telephony.pstn.configure(location_id, id=STATE['non_integrated'])
    assert api.telephony.pstn.read(location_id).pstn_connection_type == PSTNType.non_integrated_ccp


@check
def not_found_error(api):
    try:
        api.telephony.prem_pstn.trunk.details('does-not-exist')
    except RestError as e:
        assert e.response.status_code == 404
        assert e.code == 4008, e.code
        assert e.detail.tracking_id
    else:
        raise AssertionError('expected a RestError')


@check
def cleanup(api):
    api.telephony.prem_pstn.route_group.delete_route_group(STATE['rg_id'])
    api.telephony.prem_pstn.trunk.delete_trunk(STATE['trunk_id'])
    assert not list(api.telephony.prem_pstn.trunk.list(name=f'SDK Trunk {SUFFIX}'))


def main() -> int:
    api = make_api()
    passed = failed = 0
    for fn in CHECKS:
        try:
            fn(api)
        except Exception:  # noqa: BLE001 - report every failure and keep going
            failed += 1
            print(f'FAIL {fn.__name__}')
            traceback.print_exc()
        else:
            passed += 1
            print(f'ok   {fn.__name__}')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
