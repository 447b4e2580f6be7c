//! Dates (`expires`) and instants (`from`, `until`, `before`, `after`).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;

/// A calendar date, as `expires = 2027-03-01` writes it.
///
/// ```
/// use flags_schema::Date;
///
/// let expiry = Date::parse("2027-03-01").unwrap();
/// assert_eq!(expiry.to_string(), "2027-03-01");
/// assert_eq!(Date::parse("2027-02-27").unwrap().days_until(expiry), 2);
/// assert!(Date::parse("2027-02-30").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

impl Date {
    /// The date `year-month-day`, if it exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(Date)
    }

    /// Today in UTC, by the system clock.
    pub fn today_utc() -> Date {
        Date(time::OffsetDateTime::now_utc().date())
    }

    /// Parses `YYYY-MM-DD`: four, two and two digits, a real day.
    ///
    /// ```
    /// use flags_schema::Date;
    ///
    /// assert_eq!(Date::parse("2027-03-01").map(|date| date.day()), Some(1));
    /// assert_eq!(Date::parse("2027-02-30"), None);
    /// assert_eq!(Date::parse("+027-03-01"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.splitn(3, '-');
        let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |part: &str, count: usize| {
            part.len() == count && part.bytes().all(|byte| byte.is_ascii_digit())
        };
        if !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
            return None;
        }
        Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.0.month().into()
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u8 {
        self.0.day()
    }

    /// Days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        (later.0 - self.0).whole_days()
    }

    /// The first instant of this date in UTC.
    pub fn start_utc(self) -> Timestamp {
        let instant = self.0.midnight().assume_utc();
        Timestamp(instant.unix_timestamp_nanos().div_euclid(1_000_000) as i64)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

/// An instant, as milliseconds since the Unix epoch.
///
/// ```
/// use flags_schema::Timestamp;
///
/// let launch = Timestamp::parse_rfc3339("2026-12-01T09:00:00+02:00").unwrap();
/// assert_eq!(launch.to_string(), "2026-12-01T07:00:00Z");
/// assert!(launch < Timestamp::parse_rfc3339("2026-12-01T07:00:01Z").unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `millis` milliseconds after 1970-01-01T00:00:00Z.
    pub const fn from_unix_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// Now, by the system clock.
    pub fn now() -> Self {
        Timestamp::from(SystemTime::now())
    }

    /// Parses an RFC 3339 date-time such as `2026-12-01T09:00:00Z`.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let instant = time::OffsetDateTime::parse(text, &Rfc3339).ok()?;
        Some(Timestamp(
            instant.unix_timestamp_nanos().div_euclid(1_000_000) as i64,
        ))
    }

    pub(crate) fn from_parts(
        date: Date,
        hour: u8,
        minute: u8,
        second: u8,
        nanosecond: u32,
        offset_minutes: i16,
    ) -> Option<Self> {
        // A leap second (`23:59:60Z`, which TOML allows) is the last instant of the second
        // before it: a millisecond clock never reads 60.
        let (second, nanosecond) = match second {
            60 => (59, 999_999_999),
            _ => (second, nanosecond),
        };
        let time = time::Time::from_hms_nano(hour, minute, second, nanosecond).ok()?;
        let offset = time::UtcOffset::from_whole_seconds(i32::from(offset_minutes) * 60).ok()?;
        let instant = time::PrimitiveDateTime::new(date.0, time).assume_offset(offset);
        Some(Timestamp(
            instant.unix_timestamp_nanos().div_euclid(1_000_000) as i64,
        ))
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => Timestamp(i64::try_from(after.as_millis()).unwrap_or(i64::MAX)),
            // Rounded down, as parsed times are: 1.5 ms before 1970 is -2 ms.
            Err(before) => {
                let before = before.duration();
                let millis = before.as_millis() + u128::from(before.as_nanos() % 1_000_000 != 0);
                Timestamp(i64::try_from(millis).map_or(i64::MIN, |millis| -millis))
            }
        }
    }
}

impl TryFrom<Timestamp> for SystemTime {
    type Error = Timestamp;

    /// The same instant, if this platform's `SystemTime` can hold it.
    fn try_from(timestamp: Timestamp) -> Result<Self, Timestamp> {
        let offset = Duration::from_millis(timestamp.0.unsigned_abs());
        let instant = if timestamp.0 >= 0 {
            UNIX_EPOCH.checked_add(offset)
        } else {
            UNIX_EPOCH.checked_sub(offset)
        };
        instant.ok_or(timestamp)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = i128::from(self.0) * 1_000_000;
        match time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|instant| instant.format(&Rfc3339).ok())
        {
            Some(text) => f.write_str(&text),
            None => write!(f, "@{}ms", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::Timestamp;

    /// A clock's time and the same instant written in a file compare as equal, on both sides
    /// of 1970: both are rounded down to the millisecond.
    #[test]
    fn clock_times_round_down_as_written_ones_do() {
        let cases = [
            (-1_500_000, "1969-12-31T23:59:59.9985Z", -2),
            (-1_000_000, "1969-12-31T23:59:59.999Z", -1),
            (-1, "1969-12-31T23:59:59.999999999Z", -1),
            (1_500_000, "1970-01-01T00:00:00.0015Z", 1),
        ];
        for (nanos, written, millis) in cases {
            let offset = Duration::from_nanos(i64::unsigned_abs(nanos));
            let clock = if nanos < 0 {
                UNIX_EPOCH - offset
            } else {
                UNIX_EPOCH + offset
            };
            assert_eq!(Timestamp::from(clock).unix_millis(), millis, "{written}");
            assert_eq!(
                Timestamp::parse_rfc3339(written),
                Some(Timestamp::from(clock))
            );
        }
    }
}
