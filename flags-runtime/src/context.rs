//! Who is asking: a key and typed attributes, built per request.

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::SystemTime;

use flags_schema::Timestamp;

/// The subject of an evaluation: a key (a user, account, device...) and typed attributes.
///
/// Building one is cheap: strings are borrowed when they can be, and the only allocation is
/// the attribute list. Attributes that a rule needs but the context lacks never match (and
/// never panic); neither do attributes of the wrong type.
///
/// ```
/// use flags_runtime::{Context, Location};
///
/// let ctx = Context::new("u-1001")
///     .with("country", "EE")
///     .with("app_version", "2.4.1")
///     .with("age", 34)
///     .with("beta", true)
///     .with("ip", std::net::Ipv4Addr::new(10, 1, 2, 3))
///     .with("location", Location::new(59.437, 24.754))
///     .with("groups", vec!["admins", "staff"]);
/// assert_eq!(ctx.key(), "u-1001");
/// assert_eq!(ctx.get("country").and_then(|value| value.as_str()), Some("EE"));
/// assert!(ctx.get("missing").is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Context<'a> {
    key: Cow<'a, str>,
    attributes: Vec<(Cow<'a, str>, Attribute<'a>)>,
}

/// How many attributes a context has room for when it gets its first.
const FIRST_ROOM: usize = 2;

impl<'a> Context<'a> {
    /// A context with this key and no attributes.
    pub fn new(key: impl Into<Cow<'a, str>>) -> Self {
        Context {
            key: key.into(),
            attributes: Vec::new(),
        }
    }

    /// Adds (or replaces) an attribute.
    #[must_use]
    pub fn with(mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Attribute<'a>>) -> Self {
        self.set(name, value);
        self
    }

    /// Adds (or replaces) an attribute in place.
    pub fn set(&mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Attribute<'a>>) {
        let name = name.into();
        let value = value.into();
        match self
            .attributes
            .iter_mut()
            .find(|(existing, _)| *existing == name)
        {
            Some((_, slot)) => *slot = value,
            None => {
                // A `Vec` makes room for four at its first push: 224 bytes, where a context
                // mostly has one or two attributes. A context is read far more often than it
                // is built, and one that takes fewer cache lines is read faster when there
                // are many (`benches/peers`), so the first push makes room for exactly two;
                // more grow as a `Vec` does.
                if self.attributes.capacity() == 0 {
                    self.attributes.reserve_exact(FIRST_ROOM);
                }
                self.attributes.push((name, value));
            }
        }
    }

    /// The key: what user targeting lists, and what rollouts bucket by default.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// An attribute by name. (Rules may also test the key as the attribute `"key"`, unless the
    /// context sets an attribute of that name.)
    #[inline]
    pub fn get(&self, name: &str) -> Option<&Attribute<'a>> {
        // A plain loop: the evaluator's lookup inlines it, where it does not inline `find`.
        for (existing, value) in &self.attributes {
            if same_name(existing, name) {
                return Some(value);
            }
        }
        None
    }

    /// [`Context::get`] for a name of at most [`SHORT_NAME`] bytes, which it compares without
    /// calling `memcmp`: a loop around it then calls nothing, and keeps its values in
    /// registers.
    /// `None` for a longer name, as for a missing attribute: the caller checks the length.
    #[inline(always)]
    pub(crate) fn get_short(&self, name: &str) -> Option<&Attribute<'a>> {
        for (existing, value) in &self.attributes {
            if same_short_name(existing, name) == Some(true) {
                return Some(value);
            }
        }
        None
    }

    /// Every attribute, in the order they were set.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &Attribute<'a>)> {
        self.attributes.iter().map(|(name, value)| (&**name, value))
    }

    /// A copy that owns all its strings, to keep beyond the borrowed data.
    pub fn into_owned(self) -> Context<'static> {
        Context {
            key: Cow::Owned(self.key.into_owned()),
            attributes: self
                .attributes
                .into_iter()
                .map(|(name, value)| (Cow::Owned(name.into_owned()), value.into_owned()))
                .collect(),
        }
    }
}

/// Equality of the short strings flags compare (attribute names, countries, plans, keys):
/// inline, with at most two overlapping loads per side for up to 32 bytes, which beats a call
/// to `memcmp`; longer strings take `memcmp`.
#[inline(always)]
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    same_short_name(a, b).unwrap_or_else(|| a == b)
}

/// The longest name [`Context::get_short`] finds.
pub(crate) const SHORT_NAME: usize = 32;

/// [`same_name`] without `memcmp`: `None` for two strings of the same length above
/// [`SHORT_NAME`] bytes.
#[inline(always)]
fn same_short_name(a: &str, b: &str) -> Option<bool> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let length = a.len();
    if length != b.len() {
        return Some(false);
    }
    // Each pair of loads covers every byte: the second one ends where the string ends.
    let same = match length {
        0 => true,
        1..=3 => {
            let at = [0, length / 2, length - 1];
            at.iter().all(|&at| a.get(at) == b.get(at))
        }
        4..=7 => {
            load::<4>(a, 0) == load::<4>(b, 0)
                && load::<4>(a, length - 4) == load::<4>(b, length - 4)
        }
        8..=16 => {
            load::<8>(a, 0) == load::<8>(b, 0)
                && load::<8>(a, length - 8) == load::<8>(b, length - 8)
        }
        17..=SHORT_NAME => {
            load::<16>(a, 0) == load::<16>(b, 0)
                && load::<16>(a, length - 16) == load::<16>(b, length - 16)
        }
        _ => return None,
    };
    Some(same)
}

/// A string of at most [`Packed::LIMIT`] bytes as its length and two words of its bytes, laid
/// out by length, so that comparing two is three integer compares; sets of short strings are
/// kept packed, and the evaluator packs an attribute's text once for all the rules that test
/// it. A longer string keeps only its length, which no packed short string has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Packed {
    length: usize,
    low: u64,
    high: u64,
}

impl Packed {
    pub(crate) const LIMIT: usize = 16;

    /// Overlapping loads again: together they cover every byte, and two texts are compared
    /// only with their lengths, so equal fields mean equal texts.
    #[inline(always)]
    pub(crate) fn new(text: &str) -> Packed {
        let bytes = text.as_bytes();
        let length = bytes.len();
        let word = |at: usize| u64::from_le_bytes(load::<8>(bytes, at));
        let half = |at: usize| u64::from(u32::from_le_bytes(load::<4>(bytes, at)));
        let quarter = |at: usize| u64::from(u16::from_le_bytes(load::<2>(bytes, at)));
        // Tested shortest first, as attribute values mostly are (countries, plans, tiers). Up
        // to seven bytes, each load goes to a fixed place rather than to its own bytes', so
        // that no shift depends on the length: with the length compared too, the loads still
        // tell every text of that length apart.
        let (low, high) = if length <= 1 {
            (bytes.first().map_or(0, |&byte| u64::from(byte)), 0)
        } else if length <= 3 {
            (quarter(0) | quarter(length - 2) << 16, 0)
        } else if length <= 7 {
            (half(0) | half(length - 4) << 32, 0)
        } else if length <= Packed::LIMIT {
            (word(0), word(length - 8))
        } else {
            (0, 0)
        };
        Packed { length, low, high }
    }
}

/// `N` bytes from `at`, which the caller keeps in bounds.
#[inline(always)]
fn load<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    bytes
        .get(at..at + N)
        .and_then(|window| <[u8; N]>::try_from(window).ok())
        .unwrap_or([0; N])
}

/// A point on the Earth, for geo-fence rules (`within = { lat, lon, radius_km }`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// Latitude in degrees, -90 to 90.
    pub lat: f64,
    /// Longitude in degrees, -180 to 180.
    pub lon: f64,
}

impl Location {
    /// The point at `lat`, `lon` degrees.
    pub const fn new(lat: f64, lon: f64) -> Self {
        Location { lat, lon }
    }

    /// Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km).
    ///
    /// ```
    /// use flags_runtime::Location;
    /// let tallinn = Location::new(59.437, 24.754);
    /// let helsinki = Location::new(60.170, 24.938);
    /// assert!((tallinn.distance_km(helsinki) - 82.4).abs() < 0.5);
    /// ```
    pub fn distance_km(self, other: Location) -> f64 {
        const EARTH_RADIUS_KM: f64 = 6371.0088;
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let d_lat = lat2 - lat1;
        let d_lon = (other.lon - self.lon).to_radians();
        let a = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
        // `clamp` keeps NaN (from a NaN coordinate) NaN, where `min` would make it 1.
        2.0 * EARTH_RADIUS_KM * a.sqrt().clamp(0.0, 1.0).asin()
    }
}

/// The value of one context attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Attribute<'a> {
    /// Text: countries, emails, versions (`semver_*` parse it), IP addresses (`cidr` parses it).
    String(Cow<'a, str>),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Yes or no.
    Bool(bool),
    /// An instant, for `before`/`after`.
    Timestamp(Timestamp),
    /// An IP address, for `cidr`.
    Ip(IpAddr),
    /// A place, for `within`.
    Location(Location),
    /// Several strings (groups, roles...): `in` matches if any item is listed, `contains` if
    /// the list has the item.
    List(Vec<Cow<'a, str>>),
}

impl<'a> Attribute<'a> {
    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Attribute::String(text) => Some(text),
            _ => None,
        }
    }

    /// The number, if this is an integer or a float.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Attribute::Int(value) => Some(value as f64),
            Attribute::Float(value) => Some(value),
            _ => None,
        }
    }

    /// A copy that owns its strings.
    pub fn into_owned(self) -> Attribute<'static> {
        match self {
            Attribute::String(text) => Attribute::String(Cow::Owned(text.into_owned())),
            Attribute::List(items) => Attribute::List(
                items
                    .into_iter()
                    .map(|item| Cow::Owned(item.into_owned()))
                    .collect(),
            ),
            Attribute::Int(value) => Attribute::Int(value),
            Attribute::Float(value) => Attribute::Float(value),
            Attribute::Bool(value) => Attribute::Bool(value),
            Attribute::Timestamp(value) => Attribute::Timestamp(value),
            Attribute::Ip(value) => Attribute::Ip(value),
            Attribute::Location(value) => Attribute::Location(value),
        }
    }
}

impl fmt::Display for Attribute<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attribute::String(text) => f.write_str(text),
            Attribute::Int(value) => write!(f, "{value}"),
            Attribute::Float(value) => write!(f, "{value}"),
            Attribute::Bool(value) => write!(f, "{value}"),
            Attribute::Timestamp(value) => write!(f, "{value}"),
            Attribute::Ip(value) => write!(f, "{value}"),
            Attribute::Location(value) => write!(f, "({}, {})", value.lat, value.lon),
            Attribute::List(items) => write!(f, "{}", items.join(", ")),
        }
    }
}

impl<'a> From<&'a str> for Attribute<'a> {
    fn from(value: &'a str) -> Self {
        Attribute::String(Cow::Borrowed(value))
    }
}

impl<'a> From<&'a String> for Attribute<'a> {
    fn from(value: &'a String) -> Self {
        Attribute::String(Cow::Borrowed(value))
    }
}

impl From<String> for Attribute<'_> {
    fn from(value: String) -> Self {
        Attribute::String(Cow::Owned(value))
    }
}

impl<'a> From<Cow<'a, str>> for Attribute<'a> {
    fn from(value: Cow<'a, str>) -> Self {
        Attribute::String(value)
    }
}

macro_rules! from_int {
    ($($int:ty),*) => {$(
        impl From<$int> for Attribute<'_> {
            fn from(value: $int) -> Self {
                Attribute::Int(i64::from(value))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for Attribute<'_> {
    /// Integers beyond `i64::MAX` become floats, which are not exact there (nor bucketed by
    /// `bucket_by`): give IDs that large as text, which `in`, `eq` and `bucket_by` take
    /// exactly.
    fn from(value: u64) -> Self {
        i64::try_from(value).map_or(Attribute::Float(value as f64), Attribute::Int)
    }
}

impl From<usize> for Attribute<'_> {
    fn from(value: usize) -> Self {
        Attribute::from(value as u64)
    }
}

impl From<f64> for Attribute<'_> {
    fn from(value: f64) -> Self {
        Attribute::Float(value)
    }
}

impl From<f32> for Attribute<'_> {
    fn from(value: f32) -> Self {
        Attribute::Float(f64::from(value))
    }
}

impl From<bool> for Attribute<'_> {
    fn from(value: bool) -> Self {
        Attribute::Bool(value)
    }
}

impl From<Timestamp> for Attribute<'_> {
    fn from(value: Timestamp) -> Self {
        Attribute::Timestamp(value)
    }
}

impl From<SystemTime> for Attribute<'_> {
    fn from(value: SystemTime) -> Self {
        Attribute::Timestamp(Timestamp::from(value))
    }
}

impl From<IpAddr> for Attribute<'_> {
    fn from(value: IpAddr) -> Self {
        Attribute::Ip(value)
    }
}

impl From<Ipv4Addr> for Attribute<'_> {
    fn from(value: Ipv4Addr) -> Self {
        Attribute::Ip(IpAddr::V4(value))
    }
}

impl From<Ipv6Addr> for Attribute<'_> {
    fn from(value: Ipv6Addr) -> Self {
        Attribute::Ip(IpAddr::V6(value))
    }
}

impl From<Location> for Attribute<'_> {
    fn from(value: Location) -> Self {
        Attribute::Location(value)
    }
}

impl<'a> From<Vec<&'a str>> for Attribute<'a> {
    fn from(items: Vec<&'a str>) -> Self {
        Attribute::List(items.into_iter().map(Cow::Borrowed).collect())
    }
}

impl From<Vec<String>> for Attribute<'_> {
    fn from(items: Vec<String>) -> Self {
        Attribute::List(items.into_iter().map(Cow::Owned).collect())
    }
}

impl<'a> From<&'a [&'a str]> for Attribute<'a> {
    fn from(items: &'a [&'a str]) -> Self {
        Attribute::List(items.iter().map(|item| Cow::Borrowed(*item)).collect())
    }
}

impl<'a, const N: usize> From<[&'a str; N]> for Attribute<'a> {
    fn from(items: [&'a str; N]) -> Self {
        Attribute::List(items.into_iter().map(Cow::Borrowed).collect())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Context, FIRST_ROOM, Packed, same_name};

    /// The first attribute makes room for two, and replacing one adds none; past those the
    /// vector grows as a `Vec` does, by more than one at a time.
    #[test]
    fn attributes_take_the_room_they_need() {
        let mut context = Context::new("user-1");
        assert_eq!(context.attributes.capacity(), 0);
        context.set("country", "EE");
        assert_eq!(context.attributes.capacity(), FIRST_ROOM);
        context.set("plan", "free");
        context.set("country", "FI");
        assert_eq!(context.attributes.capacity(), FIRST_ROOM);
        for count in 0..100 {
            context.set(format!("attribute-{count}"), "value");
        }
        assert!(context.attributes.capacity() <= 2 * context.attributes.len());
    }

    proptest! {
        /// Every length class of the overlapping loads, against plain equality: equal
        /// strings, and strings that differ in exactly one byte anywhere.
        #[test]
        fn same_name_is_equality(text in "[a-c]{0,40}", flip in any::<prop::sample::Index>()) {
            prop_assert!(same_name(&text, &text.clone()));
            if !text.is_empty() {
                let mut bytes = text.clone().into_bytes();
                let at = flip.index(bytes.len());
                bytes[at] = b'z';
                let other = String::from_utf8(bytes).unwrap_or_default();
                prop_assert_eq!(same_name(&text, &other), text == other);
                prop_assert!(!same_name(&text, &other));
            }
            let longer = format!("{text}a");
            prop_assert!(!same_name(&text, &longer));
        }

        /// Packed strings are equal exactly when the strings are, for every length up to the
        /// limit and past it; bytes that are zero padding in one and text in the other too.
        #[test]
        fn packed_equality_is_equality(
            text in "[a-c\\x00]{0,20}",
            other in "[a-c\\x00]{0,20}",
            flip in any::<prop::sample::Index>(),
        ) {
            let short = |text: &str| text.len() <= Packed::LIMIT;
            if short(&text) || short(&other) {
                prop_assert_eq!(Packed::new(&text) == Packed::new(&other), text == other);
            }
            prop_assert_eq!(Packed::new(&text), Packed::new(&text.clone()));
            if short(&text) && !text.is_empty() {
                let mut bytes = text.clone().into_bytes();
                let at = flip.index(bytes.len());
                bytes[at] = b'z';
                let flipped = String::from_utf8(bytes).unwrap_or_default();
                prop_assert_ne!(Packed::new(&text), Packed::new(&flipped));
            }
            let padded = format!("{text}\0");
            prop_assert_ne!(Packed::new(&text), Packed::new(&padded));
        }
    }
}
