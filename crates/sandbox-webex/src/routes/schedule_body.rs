//! Schedule event bodies: parsing with Webex-like validation, and the wire shape of an event.
//! `recurrence` is stored verbatim once its shape is plausible, so clients get back exactly what
//! they sent (reconcilers compare it field by field).

use serde_json::{Map, Value, json};
use switchboard_sandbox_kit::Table;

use crate::errors::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::model::Event;

pub const SCHEDULE_TYPES: &[&str] = &["businessHours", "holidays"];
const MONTHS: &[&str] = &[
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
];
const DAYS: &[&str] = &[
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
    "SUNDAY",
];
const WEEKS: &[&str] = &["FIRST", "SECOND", "THIRD", "FOURTH", "LAST"];
const WEEKDAY_KEYS: &[&str] = &[
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

pub fn event_json(e: &Event) -> Value {
    let mut body = Map::new();
    body.insert("id".into(), json!(e.id()));
    body.insert("name".into(), json!(e.name));
    body.insert("startDate".into(), json!(e.start_date));
    body.insert("endDate".into(), json!(e.end_date));
    if let Some(t) = &e.start_time {
        body.insert("startTime".into(), json!(t));
    }
    if let Some(t) = &e.end_time {
        body.insert("endTime".into(), json!(t));
    }
    body.insert("allDayEnabled".into(), json!(e.all_day_enabled));
    if let Some(r) = &e.recurrence {
        body.insert("recurrence".into(), r.clone());
    }
    Value::Object(body)
}

/// An event from a request body. The stored name is `newName` when given (PUT), else `name`.
pub fn parse_event(f: &Fields<'_>) -> ApiResult<Event> {
    let name = f.req_str("name")?;
    let name = f
        .opt_str("newName")?
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(name);
    let start_date = date(f, "startDate")?;
    let end_date = date(f, "endDate")?;
    if end_date < start_date {
        return Err(ApiError::invalid("endDate must not be before startDate"));
    }
    let all_day = f.opt_bool("allDayEnabled")?.unwrap_or(false);
    // Times are required for a timed event; on an all-day event they are optional but kept as sent.
    let (start_time, end_time) = if all_day {
        (optional_time(f, "startTime")?, optional_time(f, "endTime")?)
    } else {
        let start = time_of_day(f, "startTime")?;
        let end = time_of_day(f, "endTime")?;
        if start_date == end_date && end <= start {
            return Err(ApiError::invalid("endTime must be after startTime"));
        }
        (Some(start), Some(end))
    };
    let recurrence = match f.opt_object("recurrence")? {
        Some(r) => {
            check_recurrence(&r)?;
            f.value("recurrence").cloned()
        }
        None => None,
    };
    Ok(Event {
        name,
        start_date,
        end_date,
        start_time,
        end_time,
        all_day_enabled: all_day,
        recurrence,
    })
}

/// Every event in `events` parsed; names must be unique within the schedule.
pub fn parse_events(f: &Fields<'_>) -> ApiResult<Table<Event>> {
    let mut events = Table::new();
    for (i, item) in f
        .opt_array("events")?
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let event = parse_event(&f.element("events", i, item)?)?;
        let name = event.name.clone();
        // A name-derived id is taken exactly when the name is.
        if events.insert(event).is_err() {
            return Err(ApiError::invalid(format!(
                "events: duplicate event name '{name}'"
            )));
        }
    }
    Ok(events)
}

/// `YYYY-MM-DD` naming a real calendar day.
fn date(f: &Fields<'_>, key: &str) -> ApiResult<String> {
    let value = f.req_str(key)?;
    let bad = || ApiError::invalid(format!("{key} '{value}' must be a date like 2026-01-31"));
    let parts: Vec<&str> = value.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) else {
        return Err(bad());
    };
    let month = time::Month::try_from(m).map_err(|_| bad())?;
    time::Date::from_calendar_date(y, month, d).map_err(|_| bad())?;
    Ok(value)
}

fn optional_time(f: &Fields<'_>, key: &str) -> ApiResult<Option<String>> {
    if f.has(key) {
        time_of_day(f, key).map(Some)
    } else {
        Ok(None)
    }
}

/// `HH:MM`, 24-hour.
fn time_of_day(f: &Fields<'_>, key: &str) -> ApiResult<String> {
    let value = f.opt_str(key)?.ok_or_else(|| {
        ApiError::invalid(format!("{key} is required unless allDayEnabled is true"))
    })?;
    let ok = match value.split_once(':') {
        Some((h, m)) if h.len() == 2 && m.len() == 2 => {
            matches!((h.parse::<u8>(), m.parse::<u8>()), (Ok(h), Ok(m)) if h < 24 && m < 60)
        }
        _ => false,
    };
    if ok {
        Ok(value)
    } else {
        Err(ApiError::invalid(format!(
            "{key} '{value}' must be a time like 09:30"
        )))
    }
}

fn check_recurrence(r: &Fields<'_>) -> ApiResult<()> {
    r.opt_bool("recurForEver")?;
    if r.has("recurEndDate") {
        date(r, "recurEndDate")?;
    }
    r.opt_u32("recurEndOccurrence")?;
    if let Some(daily) = r.opt_object("recurDaily")? {
        daily.opt_u32("recurInterval")?;
    }
    if let Some(weekly) = r.opt_object("recurWeekly")? {
        weekly.opt_u32("recurInterval")?;
        for day in WEEKDAY_KEYS {
            weekly.opt_bool(day)?;
        }
    }
    if let Some(by_date) = r.opt_object("recurYearlyByDate")? {
        if by_date
            .opt_u32("dayOfMonth")?
            .is_some_and(|d| !(1..=31).contains(&d))
        {
            return Err(ApiError::invalid(
                "recurrence.recurYearlyByDate.dayOfMonth must be 1 to 31",
            ));
        }
        by_date.opt_enum("month", MONTHS)?;
    }
    if let Some(by_day) = r.opt_object("recurYearlyByDay")? {
        by_day.opt_enum("day", DAYS)?;
        by_day.opt_enum("week", WEEKS)?;
        by_day.opt_enum("month", MONTHS)?;
    }
    Ok(())
}
