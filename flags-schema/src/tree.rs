//! A TOML document as a tree of spanned values, built straight from `toml_parser`'s events.
//!
//! `toml`'s own `DeTable` first stores every event of the file in a vector, then builds its
//! tree from them; on a file of a thousand flags that was most of the time `Schema::parse`
//! took. This builder takes the events as the parser emits them, and applies the same TOML
//! rules (implicit tables, dotted keys, arrays of tables, closed inline tables) with the same
//! error messages and spans, so that what is accepted, and where an error points, does not
//! change; the tests at the end hold it to `toml`'s behaviour.
//!
//! The whole tree lives in one arena (`bumpalo`): its thousands of small tables and arrays
//! cost a pointer bump each, and are freed at once with the arena rather than one by one.

use std::borrow::Cow;
use std::cell::Cell;
use std::hash::BuildHasher;
use std::ops::{Deref, Range};

use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use hashbrown::HashTable;
use toml_datetime::Datetime;
use toml_parser::decoder::{Encoding, ScalarKind};
use toml_parser::parser::EventReceiver;
use toml_parser::{ErrorSink, Expected, ParseError, Raw, Source, Span};

/// How deep arrays, inline tables and dotted keys may nest, as in `toml`: a file cannot make
/// the reader recurse without bound.
pub(crate) const NESTING_LIMIT: u32 = 80;

/// A table of the bytes for which the predicate holds, built at compile time.
macro_rules! byte_set {
    (|$byte:ident| $member:expr) => {{
        let mut set = [false; 256];
        let mut index = 0;
        while index < 256 {
            let $byte = index as u8;
            set[index] = $member;
            index += 1;
        }
        set
    }};
}

/// A value or key and the bytes of the file it was read from. The offsets are 32-bit, as
/// `Schema::parse` reads no file of 4 GiB or more: a table entry then takes 80 bytes rather
/// than 96, and the tree of a large file is quicker to read back.
#[derive(Debug, Clone)]
pub(crate) struct Item<T> {
    inner: T,
    start: u32,
    end: u32,
}

impl<T> Item<T> {
    fn new(span: Range<usize>, inner: T) -> Self {
        let offset = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
        Item {
            inner,
            start: offset(span.start),
            end: offset(span.end),
        }
    }

    pub(crate) fn get_ref(&self) -> &T {
        &self.inner
    }

    pub(crate) fn span(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A key, decoded.
pub(crate) type Key<'b> = Item<&'b str>;

/// A TOML value. Strings are borrowed from the file where no escape had to be decoded, and
/// from the arena where one had.
#[derive(Debug)]
pub(crate) enum Value<'b> {
    String(&'b str),
    Integer(Integer<'b>),
    /// The float's decoded text, for `str::parse`.
    Float(&'b str),
    Boolean(bool),
    Datetime(Datetime),
    Array(Array<'b>),
    Table(Table<'b>),
}

impl Value<'_> {
    /// What `toml` calls the type, in its "cannot extend" messages.
    fn type_str(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::Boolean(_) => "boolean",
            Value::Datetime(_) => "datetime",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
        }
    }
}

/// An integer's decoded digits (without sign prefix or underscores) and their radix.
#[derive(Debug)]
pub(crate) struct Integer<'b> {
    digits: &'b str,
    radix: u32,
}

impl Integer<'_> {
    /// The value, if it fits in an `i64`.
    pub(crate) fn to_i64(&self) -> Option<i64> {
        i64::from_str_radix(self.digits, self.radix).ok()
    }
}

/// An array, or an array of tables (`[[name]]`), which later headers may extend.
#[derive(Debug)]
pub(crate) struct Array<'b> {
    items: BumpVec<'b, Item<Value<'b>>>,
    of_tables: bool,
}

impl<'b> Deref for Array<'b> {
    type Target = [Item<Value<'b>>];

    fn deref(&self) -> &Self::Target {
        &self.items
    }
}

/// A table: its entries in the order they were written.
///
/// Most tables hold a handful of keys, found faster by a scan than by hashing; while the
/// tree is built, a table that grows past [`Table::SCANNED`] entries (`flags`, `segments`)
/// is indexed by the builder's [`Index`].
#[derive(Debug)]
pub(crate) struct Table<'b> {
    entries: BumpVec<'b, (Key<'b>, Item<Value<'b>>)>,
    /// The table's number in the builder's index; `0` while it is not indexed.
    indexed_as: u32,
    /// Created by a header or dotted key naming a table below it, not by its own header.
    implicit: bool,
    /// Created (or extended) by a dotted key.
    dotted: bool,
    /// Written `{ ... }`: closed once written.
    inline: bool,
}

impl<'b> Table<'b> {
    const SCANNED: usize = 16;
    /// Room for the entries (or items) most tables and arrays of a flags.toml hold; the
    /// arena's vectors otherwise grow one, two, four..., copying each time.
    const FIRST_CAPACITY: usize = 4;

    fn new_in(bump: &'b Bump, implicit: bool, dotted: bool, inline: bool) -> Self {
        Table {
            entries: BumpVec::with_capacity_in(Table::FIRST_CAPACITY, bump),
            indexed_as: 0,
            implicit,
            dotted,
            inline,
        }
    }

    /// Created or extended by a dotted key (`a.b = 1` makes `a` one).
    pub(crate) fn is_dotted(&self) -> bool {
        self.dotted
    }

    /// Whether it is written `{ ... }`.
    pub(crate) fn is_inline(&self) -> bool {
        self.inline
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Item<Value<'b>>> {
        self.scan(key).map(|at| &self.entries[at].1)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Key<'b>, &Item<Value<'b>>)> {
        self.entries.iter().map(|(key, value)| (key, value))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn scan(&self, key: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|(existing, _)| existing.inner == key)
    }

    fn position(&self, key: &str, index: &Index) -> Option<usize> {
        if self.indexed_as == 0 {
            self.scan(key)
        } else {
            index.find(self, key)
        }
    }

    /// Appends an entry whose key the table does not have; returns its position.
    fn push(&mut self, key: Key<'b>, value: Item<Value<'b>>, index: &mut Index) -> usize {
        let at = self.entries.len();
        self.entries.push((key, value));
        if self.indexed_as != 0 {
            index.add(self, at);
        } else if self.entries.len() > Table::SCANNED {
            index.reindex(self);
        }
        at
    }

    /// Removes the entry at `at`; later entries move up one place, keeping their order.
    fn remove(&mut self, at: usize, index: &mut Index) -> (Key<'b>, Item<Value<'b>>) {
        let entry = self.entries.remove(at);
        if self.indexed_as != 0 {
            index.reindex(self);
        }
        entry
    }

    /// Inserts `key = value`, or reports the key as a duplicate.
    fn insert_new(
        &mut self,
        key: Key<'b>,
        value: Item<Value<'b>>,
        index: &mut Index,
        errors: &mut dyn ErrorSink,
    ) {
        match self.position(key.inner, index) {
            None => {
                self.push(key, value, index);
            }
            Some(at) => errors.report_error(
                ParseError::new("duplicate key")
                    .with_unexpected(span_of(&key))
                    .with_context(span_of(&self.entries[at].0)),
            ),
        }
    }

    /// The entry for `key`, created as an implicit table if there is none.
    fn child_or_implicit(
        &mut self,
        key: &Key<'b>,
        dotted: bool,
        inline: bool,
        arena: &mut Arena<'b>,
    ) -> &mut Item<Value<'b>> {
        let at = match self.position(key.inner, &arena.index) {
            Some(at) => at,
            None => {
                let child = Table::new_in(arena.bump, true, dotted, inline);
                let value = Item::new(key.span(), Value::Table(child));
                self.push(key.clone(), value, &mut arena.index)
            }
        };
        &mut self.entries[at].1
    }
}

/// The positions of the entries of big tables, by table and key.
#[derive(Default)]
struct Index {
    slots: HashTable<Slot>,
    hasher: foldhash::fast::RandomState,
    tables: u32,
}

#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    table: u32,
    at: usize,
}

impl Index {
    fn find(&self, table: &Table<'_>, key: &str) -> Option<usize> {
        let hash = self.hasher.hash_one((table.indexed_as, key));
        let slot = self.slots.find(hash, |slot| {
            slot.table == table.indexed_as && table.entries[slot.at].0.inner == key
        })?;
        Some(slot.at)
    }

    fn add(&mut self, table: &Table<'_>, at: usize) {
        let hash = self
            .hasher
            .hash_one((table.indexed_as, table.entries[at].0.inner));
        let slot = Slot {
            hash,
            table: table.indexed_as,
            at,
        };
        self.slots.insert_unique(hash, slot, |slot| slot.hash);
    }

    /// Indexes every entry of `table` afresh.
    fn reindex(&mut self, table: &mut Table<'_>) {
        if table.indexed_as == 0 {
            self.tables += 1;
            table.indexed_as = self.tables;
        } else {
            let number = table.indexed_as;
            self.slots.retain(|slot| slot.table != number);
        }
        for at in 0..table.entries.len() {
            self.add(table, at);
        }
    }
}

/// Where new tables and strings go, and how big tables are searched.
struct Arena<'b> {
    bump: &'b Bump,
    index: Index,
}

impl<'b> Arena<'b> {
    /// A decoded string, kept in the arena if decoding had to build it.
    fn keep(&self, decoded: Cow<'b, str>) -> &'b str {
        match decoded {
            Cow::Borrowed(text) => text,
            Cow::Owned(text) => self.bump.alloc_str(&text),
        }
    }
}

/// A TOML error: what is wrong, worded as `toml` words it, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) message: String,
    pub(crate) span: Option<Range<usize>>,
    /// For a key or table defined twice, the first definition: its key, or for an array of
    /// tables its value.
    pub(crate) earlier: Option<Range<usize>>,
}

impl SyntaxError {
    fn new(error: &ParseError) -> Self {
        let mut message = error.description().to_owned();
        if let Some(expected) = error.expected() {
            message.push_str(", expected ");
            if expected.is_empty() {
                message.push_str("nothing");
            }
            for (index, expected) in expected.iter().enumerate() {
                if index != 0 {
                    message.push_str(", ");
                }
                match expected {
                    Expected::Literal(literal) => message.push_str(&render_literal(literal)),
                    Expected::Description(description) => message.push_str(description),
                    _ => message.push_str("etc"),
                }
            }
        }
        SyntaxError {
            message,
            span: error.unexpected().map(|span| span.start()..span.end()),
            earlier: error.context().map(|span| span.start()..span.end()),
        }
    }
}

fn render_literal(literal: &str) -> String {
    match literal {
        "\n" => "newline".to_owned(),
        "`" => "'`'".to_owned(),
        text if text.chars().all(|c| c.is_ascii_control()) => {
            format!("`{}`", text.escape_debug())
        }
        text => format!("`{text}`"),
    }
}

/// Reads a document into `bump`. The tree is meaningful only when there are no errors;
/// with errors it holds what could be read.
pub(crate) fn parse<'b>(text: &'b str, bump: &'b Bump) -> (&'b Table<'b>, Vec<SyntaxError>) {
    let source = Source::new(text);
    // `Lexer::into_vec` reserves two tokens per seven bytes, and a dense file has more, so
    // the vector would grow by copying. Half the length is more than a flags.toml needs, and
    // the pages of a large allocation that are never written are never mapped.
    let mut tokens = Vec::with_capacity(text.len() / 2 + 16);
    tokens.extend(source.lex());
    let reported = bump.alloc(Cell::new(0));
    let mut errors = Counted {
        errors: Vec::new(),
        count: reported,
    };
    let mut builder = Builder::new(source, bump, reported);
    toml_parser::parser::parse_document(&tokens, &mut builder, &mut errors);
    let root = builder.finish(&mut errors);
    let errors = errors.errors.iter().map(SyntaxError::new).collect();
    // In the arena, the tree is never dropped node by node: it holds nothing but arena
    // memory, which goes with the arena.
    (bump.alloc(root), errors)
}

/// The errors, counted where the builder can see the count: a rise between two events is
/// an error the parser found.
struct Counted<'c> {
    errors: Vec<ParseError>,
    count: &'c Cell<usize>,
}

impl ErrorSink for Counted<'_> {
    fn report_error(&mut self, error: ParseError) {
        self.count.set(self.count.get() + 1);
        self.errors.push(error);
    }
}

/// A `[table]` or `[[array]]` header as read.
struct Header<'b> {
    path: Vec<Key<'b>>,
    key: Option<Key<'b>>,
    span: Range<usize>,
    is_array: bool,
}

/// An array or inline table still open.
enum Open<'b> {
    Array {
        start: usize,
        items: Array<'b>,
    },
    InlineTable {
        start: usize,
        table: Table<'b>,
        /// Where in `Builder::keys` the dotted key being read or last read starts.
        key: Option<usize>,
        /// Its value, stored when the `,` or `}` after it comes, as `toml` stores it.
        value: Option<Item<Value<'b>>>,
    },
}

/// What the simple keys being read belong to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyOwner {
    /// A `key = value` of the current table or of an inline table.
    KeyValue,
    /// A `[header]` (or `[[header]]`) that opened at this offset.
    Header { start: usize, is_array: bool },
}

struct Builder<'b> {
    source: Source<'b>,
    arena: Arena<'b>,
    root: Table<'b>,
    /// The table under the last header, kept apart from `root` until the next header.
    current_table: Table<'b>,
    current_header: Option<Header<'b>>,
    /// The buffer of the last header's path, for the next one.
    spare_path: Vec<Key<'b>>,
    /// The simple keys of every dotted key whose value is still being read, outermost
    /// first (`a = { b = [{ c = ...`), then those of the key being read: a stack, so that
    /// reading keys allocates nothing.
    keys: Vec<Key<'b>>,
    /// Where in `keys` the key being read starts.
    reading_from: usize,
    key_owner: KeyOwner,
    /// Where in `keys` the key of the current table whose value comes next starts.
    pending: Option<usize>,
    open: Vec<Open<'b>>,
    /// How deep arrays and inline tables nest here, checked as `toml_parser`'s
    /// `RecursionGuard` checks it.
    depth: u32,
    /// How many errors have been reported, and how many had been when the builder last
    /// looked.
    reported: &'b Cell<usize>,
    seen: usize,
    /// Set at the first error in the text itself (its syntax, or a key or value that does
    /// not decode): what follows is read no further, so that a broken line cannot bring on
    /// errors about keys and tables that are not really there. The parser still reports
    /// every syntax error.
    stopped: bool,
}

impl<'b> Builder<'b> {
    fn new(source: Source<'b>, bump: &'b Bump, reported: &'b Cell<usize>) -> Self {
        Builder {
            source,
            arena: Arena {
                bump,
                index: Index::default(),
            },
            root: Table::new_in(bump, false, false, false),
            current_table: Table::new_in(bump, false, false, false),
            current_header: None,
            spare_path: Vec::new(),
            keys: Vec::new(),
            reading_from: 0,
            key_owner: KeyOwner::KeyValue,
            pending: None,
            open: Vec::new(),
            depth: 0,
            reported,
            seen: 0,
            stopped: false,
        }
    }

    /// Whether to go on reading: not once the text has had an error, whether the parser
    /// reported it since the last event or decoding reported it during one.
    fn reading(&mut self) -> bool {
        if self.reported.get() != self.seen {
            self.stopped = true;
        }
        !self.stopped
    }

    /// The builder's own errors, reported during an event, do not stop it.
    fn done(&mut self) {
        self.seen = self.reported.get();
    }

    fn finish(mut self, errors: &mut dyn ErrorSink) -> Table<'b> {
        if self.reading() {
            self.finish_table(errors);
        }
        self.root
    }

    fn raw(&self, span: Span, encoding: Option<Encoding>) -> Raw<'b> {
        let text = self
            .source
            .input()
            .get(span.start()..span.end())
            .unwrap_or("");
        Raw::new_unchecked(text, encoding, span)
    }

    /// The key just read ends here: where it starts in `keys`, or `None` when there was
    /// none (after a syntax error) or it nests too deep.
    fn end_key(&mut self, errors: &mut dyn ErrorSink) -> Option<usize> {
        let start = self.reading_from;
        self.reading_from = self.keys.len();
        let parts = self.keys.len().checked_sub(start)?;
        if parts == 0 {
            return None;
        }
        // As in `toml`: the dotted path before the last key may hold fewer than the limit.
        if parts > NESTING_LIMIT as usize {
            // Located at the keys past the limit: the file has no better place.
            let past = &self.keys[start + NESTING_LIMIT as usize..];
            let span = match (past.first(), past.last()) {
                (Some(first), Some(last)) => {
                    Span::new_unchecked(first.span().start, last.span().end)
                }
                _ => Span::new_unchecked(0, 0),
            };
            errors.report_error(ParseError::new("recursion limit").with_unexpected(span));
            self.stopped = true;
            self.keys.truncate(start);
            self.reading_from = start;
            return None;
        }
        Some(start)
    }

    /// A value is complete: it goes to the array or inline table it is in, or to the key
    /// of the current table that announced it.
    fn deliver(&mut self, value: Item<Value<'b>>, errors: &mut dyn ErrorSink) {
        let keys = std::mem::take(&mut self.keys);
        let start = match self.open.last_mut() {
            None => self.pending.take().inspect(|&start| {
                if let Some((key, path)) = keys[start..].split_last() {
                    self.capture_key_value(path, key.clone(), value, errors);
                }
            }),
            Some(Open::Array { items, .. }) => {
                items.items.push(value);
                None
            }
            Some(Open::InlineTable { value: slot, .. }) => {
                *slot = Some(value);
                None
            }
        };
        self.keys = keys;
        if let Some(start) = start {
            self.keys.truncate(start);
            self.reading_from = start;
        }
    }

    /// A `,` or `}` ends an entry of the inline table being read.
    fn finish_entry(&mut self, errors: &mut dyn ErrorSink) {
        let Some(Open::InlineTable {
            table, key, value, ..
        }) = self.open.last_mut()
        else {
            return;
        };
        let (Some(start), value) = (key.take(), value.take()) else {
            return;
        };
        if let Some(value) = value
            && let Some((key, path)) = self.keys.get(start..).and_then(<[_]>::split_last)
        {
            insert_inline(table, path, key.clone(), value, &mut self.arena, errors);
        }
        self.keys.truncate(start);
        self.reading_from = start;
    }

    fn table_open(&mut self, span: Span, is_array: bool, errors: &mut dyn ErrorSink) {
        self.finish_table(errors);
        // After a syntax error, whatever was still open is abandoned.
        self.open.clear();
        self.pending = None;
        self.keys.clear();
        self.reading_from = 0;
        self.key_owner = KeyOwner::Header {
            start: span.start(),
            is_array,
        };
    }

    fn table_close(&mut self, span: Span, errors: &mut dyn ErrorSink) {
        let KeyOwner::Header { start, is_array } = self.key_owner else {
            return;
        };
        self.key_owner = KeyOwner::KeyValue;
        // The last header's path is done with: its buffer is reused.
        let mut path = std::mem::take(&mut self.spare_path);
        path.clear();
        let key = match self.end_key(errors) {
            Some(from) => {
                let key = self.keys.pop();
                path.extend(self.keys.drain(from..));
                key
            }
            None => None,
        };
        self.keys.clear();
        self.reading_from = 0;
        let header = Header {
            path,
            key,
            span: start..span.end(),
            is_array,
        };
        self.start_table(header, errors);
    }

    /// Counts one more level of nesting; false (with the error reported) past the limit.
    fn enter(&mut self, span: Span, errors: &mut dyn ErrorSink) -> bool {
        self.depth += 1;
        let within = self.depth <= NESTING_LIMIT;
        if !within {
            errors.report_error(
                ParseError::new("cannot recurse further; max recursion depth met")
                    .with_unexpected(span),
            );
        }
        within
    }

    fn capture_key_value(
        &mut self,
        path: &[Key<'b>],
        key: Key<'b>,
        value: Item<Value<'b>>,
        errors: &mut dyn ErrorSink,
    ) {
        let dotted = !path.is_empty();
        let arena = &mut self.arena;
        let Some(parent) =
            descend_path(&mut self.current_table, path, dotted, false, arena, errors)
        else {
            return;
        };
        // "Likewise, using dotted keys to redefine tables already defined in [table] form
        // is not allowed."
        if dotted && !parent.implicit {
            errors.report_error(ParseError::new("duplicate key").with_unexpected(span_of(&key)));
            return;
        }
        parent.insert_new(key, value, &mut arena.index, errors);
    }

    /// Puts the table under the last header into the tree.
    fn finish_table(&mut self, errors: &mut dyn ErrorSink) {
        let fresh = Table::new_in(self.arena.bump, false, false, false);
        let table = std::mem::replace(&mut self.current_table, fresh);
        let Some(mut header) = self.current_header.take() else {
            self.root = table;
            return;
        };
        self.place_table(&mut header, table, errors);
        self.spare_path = header.path;
    }

    fn place_table(
        &mut self,
        header: &mut Header<'b>,
        table: Table<'b>,
        errors: &mut dyn ErrorSink,
    ) {
        let Some(key) = header.key.take() else {
            return;
        };
        let table = Item::new(header.span.clone(), Value::Table(table));
        let arena = &mut self.arena;
        let Some(parent) = descend_path(&mut self.root, &header.path, false, false, arena, errors)
        else {
            return;
        };
        let position = parent.position(key.inner, &arena.index);
        if header.is_array {
            let key_span = span_of(&key);
            let at = match position {
                Some(at) => at,
                None => {
                    let array = Array {
                        items: BumpVec::with_capacity_in(Table::FIRST_CAPACITY, arena.bump),
                        of_tables: true,
                    };
                    let value = Item::new(header.span.clone(), Value::Array(array));
                    parent.push(key, value, &mut arena.index)
                }
            };
            let entry = &mut parent.entries[at].1;
            let old_span = entry.span();
            match &mut entry.inner {
                Value::Array(array) if array.of_tables => array.items.push(table),
                _ => errors.report_error(
                    ParseError::new("duplicate key")
                        .with_unexpected(key_span)
                        .with_context(to_span(&old_span)),
                ),
            }
        } else {
            match position {
                Some(at) => parent.entries[at].1 = table,
                None => {
                    parent.push(key, table, &mut arena.index);
                }
            }
        }
    }

    fn start_table(&mut self, header: Header<'b>, errors: &mut dyn ErrorSink) {
        let arena = &mut self.arena;
        if !header.is_array
            && let Some(key) = &header.key
            && let Some(parent) =
                descend_path(&mut self.root, &header.path, false, false, arena, errors)
            && let Some(at) = parent.position(key.inner, &arena.index)
        {
            let (old_key, old_value) = parent.remove(at, &mut arena.index);
            match old_value.inner {
                // Its child tables were declared first: it keeps them.
                Value::Table(table) if table.implicit && !table.dotted => {
                    self.current_table = table;
                }
                // "Since tables cannot be defined more than once, redefining such tables
                // using a [table] header is not allowed."
                old_value => {
                    errors.report_error(
                        ParseError::new("duplicate key")
                            .with_unexpected(span_of(key))
                            .with_context(span_of(&old_key)),
                    );
                    if let Value::Table(table) = old_value {
                        self.current_table = table;
                    }
                }
            }
        }
        self.current_table.implicit = false;
        self.current_table.dotted = false;
        self.current_header = Some(header);
    }
}

impl<'b> EventReceiver for Builder<'b> {
    fn std_table_open(&mut self, span: Span, errors: &mut dyn ErrorSink) {
        if self.reading() {
            self.table_open(span, false, errors);
        }
        self.done();
    }

    fn array_table_open(&mut self, span: Span, errors: &mut dyn ErrorSink) {
        if self.reading() {
            self.table_open(span, true, errors);
        }
        self.done();
    }

    fn std_table_close(&mut self, span: Span, errors: &mut dyn ErrorSink) {
        if self.reading() {
            self.table_close(span, errors);
        }
        self.done();
    }

    fn array_table_close(&mut self, span: Span, errors: &mut dyn ErrorSink) {
        if self.reading() {
            self.table_close(span, errors);
        }
        self.done();
    }

    fn inline_table_open(&mut self, span: Span, errors: &mut dyn ErrorSink) -> bool {
        if self.reading() {
            self.open.push(Open::InlineTable {
                start: span.start(),
                table: Table::new_in(self.arena.bump, false, false, true),
                key: None,
                value: None,
            });
        }
        let within = self.enter(span, errors);
        self.done();
        within
    }

    fn inline_table_close(&mut self, span: Span, errors: &mut dyn ErrorSink) {
        self.depth = self.depth.saturating_sub(1);
        if self.reading() {
            self.finish_entry(errors);
            if let Some(Open::InlineTable { start, table, .. }) = self.open.pop() {
                self.deliver(Item::new(start..span.end(), Value::Table(table)), errors);
            }
        }
        self.done();
    }

    fn array_open(&mut self, span: Span, errors: &mut dyn ErrorSink) -> bool {
        if self.reading() {
            self.open.push(Open::Array {
                start: span.start(),
                items: Array {
                    items: BumpVec::with_capacity_in(Table::FIRST_CAPACITY, self.arena.bump),
                    of_tables: false,
                },
            });
        }
        let within = self.enter(span, errors);
        self.done();
        within
    }

    fn array_close(&mut self, span: Span, errors: &mut dyn ErrorSink) {
        self.depth = self.depth.saturating_sub(1);
        if self.reading()
            && let Some(Open::Array { start, items }) = self.open.pop()
        {
            self.deliver(Item::new(start..span.end(), Value::Array(items)), errors);
        }
        self.done();
    }

    fn simple_key(&mut self, span: Span, encoding: Option<Encoding>, errors: &mut dyn ErrorSink) {
        if !self.reading() {
            return;
        }
        let raw = self.raw(span, encoding);
        let text = raw.as_str();
        let key = if encoding.is_none() && is_bare_key(text) {
            text
        } else {
            let mut decoded = Cow::Borrowed("");
            raw.decode_key(&mut decoded, errors);
            self.arena.keep(decoded)
        };
        self.keys.push(Item::new(span.start()..span.end(), key));
    }

    fn key_val_sep(&mut self, _span: Span, errors: &mut dyn ErrorSink) {
        if self.reading() {
            let key = self.end_key(errors);
            match self.open.last_mut() {
                None => self.pending = key,
                Some(Open::InlineTable { key: slot, .. }) => *slot = key,
                Some(Open::Array { .. }) => {}
            }
        }
        self.done();
    }

    fn scalar(&mut self, span: Span, encoding: Option<Encoding>, errors: &mut dyn ErrorSink) {
        if !self.reading() {
            return;
        }
        let raw = self.raw(span, encoding);
        let value = match plain_basic_string(raw.as_str(), encoding) {
            Some(text) => Value::String(text),
            None => {
                let mut decoded = Cow::Borrowed("");
                let kind = raw.decode_scalar(&mut decoded, errors);
                scalar_value(self.arena.keep(decoded), kind, span, errors)
            }
        };
        // A value that did not decode stops the reading before it is stored.
        if self.reading() {
            self.deliver(Item::new(span.start()..span.end(), value), errors);
        }
        self.done();
    }

    fn value_sep(&mut self, _span: Span, errors: &mut dyn ErrorSink) {
        if self.reading() {
            self.finish_entry(errors);
        }
        self.done();
    }

    fn comment(&mut self, span: Span, errors: &mut dyn ErrorSink) {
        self.raw(span, None).decode_comment(errors);
    }

    fn newline(&mut self, span: Span, errors: &mut dyn ErrorSink) {
        self.raw(span, None).decode_newline(errors);
    }
}

fn scalar_value<'b>(
    decoded: &'b str,
    kind: ScalarKind,
    span: Span,
    errors: &mut dyn ErrorSink,
) -> Value<'b> {
    match kind {
        ScalarKind::String => Value::String(decoded),
        ScalarKind::Boolean(value) => Value::Boolean(value),
        ScalarKind::DateTime => match decoded.parse::<Datetime>() {
            Ok(value) => Value::Datetime(value),
            Err(error) => {
                errors.report_error(ParseError::new(error.to_string()).with_unexpected(span));
                Value::Datetime(Datetime {
                    date: None,
                    time: None,
                    offset: None,
                })
            }
        },
        ScalarKind::Float => Value::Float(decoded),
        ScalarKind::Integer(radix) => Value::Integer(Integer {
            digits: decoded,
            radix: radix.value(),
        }),
    }
}

/// A bare key of TOML's key characters, which `decode_key` would return as written and
/// without error; checked here because most keys are, and a table lookup per byte is a
/// fraction of the cost of decoding.
fn is_bare_key(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| BARE_KEY[usize::from(byte)])
}

/// The contents of a `"basic string"` without escapes or characters TOML forbids, which
/// `decode_scalar` would return as they are written, for the same reason as `is_bare_key`.
fn plain_basic_string(text: &str, encoding: Option<Encoding>) -> Option<&str> {
    if encoding != Some(Encoding::BasicString) {
        return None;
    }
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let plain = inner.bytes().all(|byte| BASIC_UNESCAPED[usize::from(byte)]);
    plain.then_some(inner)
}

/// TOML's `unquoted-key` characters: `A-Z a-z 0-9 - _`.
const BARE_KEY: [bool; 256] =
    byte_set!(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');

/// TOML's `basic-unescaped`: tab, space and every visible or non-ASCII byte but `"` and
/// `\`.
const BASIC_UNESCAPED: [bool; 256] = byte_set!(
    |byte| byte == b'\t' || (byte >= 0x20 && byte != b'"' && byte != b'\\' && byte != 0x7f)
);

/// Finds (or creates, as implicit tables) the table a dotted path or header names, in a
/// table of the document or, `in_inline_table`, in an inline table, where every path is a
/// dotted key and the tables it goes through are inline too.
fn descend_path<'t, 'b>(
    mut table: &'t mut Table<'b>,
    path: &[Key<'b>],
    dotted: bool,
    in_inline_table: bool,
    arena: &mut Arena<'b>,
    errors: &mut dyn ErrorSink,
) -> Option<&'t mut Table<'b>> {
    for key in path {
        let entry = table.child_or_implicit(key, dotted, in_inline_table, arena);
        let old_span = entry.span();
        let type_str = entry.inner.type_str();
        table = match &mut entry.inner {
            Value::Array(array) => {
                let last_type = array.items.last().map(|last| last.inner.type_str());
                match array.items.last_mut() {
                    Some(Item {
                        inner: Value::Table(last),
                        ..
                    }) if array.of_tables => last,
                    _ => {
                        let type_str = if array.of_tables { last_type } else { None };
                        cannot_extend(type_str.unwrap_or("array"), key, &old_span, errors);
                        return None;
                    }
                }
            }
            Value::Table(child) => {
                if child.inline && !in_inline_table {
                    errors.report_error(
                        ParseError::new(
                            "cannot extend value of type inline table with a dotted key",
                        )
                        .with_unexpected(span_of(key))
                        .with_context(to_span(&old_span)),
                    );
                    return None;
                }
                if dotted && child.implicit {
                    child.dotted = true;
                }
                if dotted && !child.implicit {
                    errors.report_error(
                        ParseError::new("duplicate key").with_unexpected(span_of(key)),
                    );
                    return None;
                }
                child
            }
            _ => {
                cannot_extend(type_str, key, &old_span, errors);
                return None;
            }
        };
    }
    Some(table)
}

/// Inserts `path.key = value` into an inline table, by the rules of dotted keys there.
fn insert_inline<'b>(
    table: &mut Table<'b>,
    path: &[Key<'b>],
    key: Key<'b>,
    value: Item<Value<'b>>,
    arena: &mut Arena<'b>,
    errors: &mut dyn ErrorSink,
) {
    let Some(table) = descend_path(table, path, true, true, arena, errors) else {
        return;
    };
    if table.dotted == path.is_empty() {
        errors.report_error(ParseError::new("duplicate key").with_unexpected(span_of(&key)));
        return;
    }
    table.insert_new(key, value, &mut arena.index, errors);
}

fn cannot_extend(
    type_str: &str,
    key: &Key<'_>,
    old_span: &Range<usize>,
    errors: &mut dyn ErrorSink,
) {
    errors.report_error(
        ParseError::new(format!(
            "cannot extend value of type {type_str} with a dotted key"
        ))
        .with_unexpected(span_of(key))
        .with_context(to_span(old_span)),
    );
}

fn span_of<T>(item: &Item<T>) -> Span {
    to_span(&item.span())
}

fn to_span(range: &Range<usize>) -> Span {
    Span::new_unchecked(range.start, range.end)
}

#[cfg(test)]
mod tests {
    //! The tree against `toml`'s `DeTable`, on the same text: the same verdict, the same
    //! errors, and for valid documents the same keys, values and spans in the same order.

    use std::fmt::Write;

    use proptest::prelude::*;
    use toml::de::{DeTable, DeValue};

    use super::*;

    /// A tree as text: keys, values and spans, in order.
    fn ours(table: &Table<'_>, out: &mut String) {
        out.push('{');
        for (key, value) in table.iter() {
            let _ = write!(out, "{:?}@{:?}=", key.inner, key.span());
            our_value(value, out);
            out.push(',');
        }
        out.push('}');
    }

    fn our_value(value: &Item<Value<'_>>, out: &mut String) {
        let _ = write!(out, "@{:?}", value.span());
        match &value.inner {
            Value::String(text) => {
                let _ = write!(out, "s{text:?}");
            }
            Value::Integer(int) => {
                let _ = write!(out, "i{}/{}", int.digits, int.radix);
            }
            Value::Float(float) => {
                let _ = write!(out, "f{float}");
            }
            Value::Boolean(flag) => {
                let _ = write!(out, "b{flag}");
            }
            Value::Datetime(datetime) => {
                let _ = write!(out, "d{datetime}");
            }
            Value::Array(array) => {
                out.push('[');
                for item in array.iter() {
                    our_value(item, out);
                    out.push(',');
                }
                out.push(']');
            }
            Value::Table(table) => ours(table, out),
        }
    }

    fn theirs(table: &DeTable<'_>, out: &mut String) {
        out.push('{');
        for (key, value) in table.iter() {
            let _ = write!(out, "{:?}@{:?}=", key.get_ref(), key.span());
            their_value(value, out);
            out.push(',');
        }
        out.push('}');
    }

    fn their_value(value: &toml::Spanned<DeValue<'_>>, out: &mut String) {
        let _ = write!(out, "@{:?}", value.span());
        match value.get_ref() {
            DeValue::String(text) => {
                let _ = write!(out, "s{text:?}");
            }
            DeValue::Integer(int) => {
                let _ = write!(out, "i{}/{}", int.as_str(), int.radix());
            }
            DeValue::Float(float) => {
                let _ = write!(out, "f{}", float.as_str());
            }
            DeValue::Boolean(flag) => {
                let _ = write!(out, "b{flag}");
            }
            DeValue::Datetime(datetime) => {
                let _ = write!(out, "d{datetime}");
            }
            DeValue::Array(array) => {
                out.push('[');
                for item in array.iter() {
                    their_value(item, out);
                    out.push(',');
                }
                out.push(']');
            }
            DeValue::Table(table) => theirs(table, out),
        }
    }

    /// Each distinct error once, in order of position: `toml` reports a header that cannot
    /// be reached twice (on opening the table and on placing it).
    fn distinct(
        mut errors: Vec<(String, Option<Range<usize>>)>,
    ) -> Vec<(String, Option<Range<usize>>)> {
        errors.sort_by_key(|(message, span)| {
            (
                span.clone().map(|span| (span.start, span.end)),
                message.clone(),
            )
        });
        errors.dedup();
        errors
    }

    /// The same verdict as `toml`, the same tree when valid, and the same errors; after an
    /// error in the text itself, the same first error and no error `toml` does not report.
    fn assert_same(text: &str) {
        let bump = Bump::new();
        let (our_root, our_errors) = parse(text, &bump);
        let (their_root, their_errors) = DeTable::parse_recoverable(text);
        // `toml` gives a dotted key past the nesting limit no place; the tree gives it the
        // keys past the limit (checked in `keys_past_the_nesting_limit_are_located`).
        let our_errors: Vec<_> = our_errors
            .into_iter()
            .map(|error| {
                let span = error.span.filter(|_| error.message != "recursion limit");
                (error.message, span)
            })
            .collect();
        let their_errors: Vec<_> = their_errors
            .iter()
            .map(|error| (error.message().to_owned(), error.span()))
            .collect();
        assert_eq!(
            our_errors.is_empty(),
            their_errors.is_empty(),
            "verdicts differ on {text:?}: ours {our_errors:?}, toml's {their_errors:?}"
        );
        if their_errors.is_empty() {
            let (mut our_tree, mut their_tree) = (String::new(), String::new());
            ours(our_root, &mut our_tree);
            theirs(their_root.get_ref(), &mut their_tree);
            assert_eq!(our_tree, their_tree, "trees differ on {text:?}");
            return;
        }
        let (our_errors, their_errors) = (distinct(our_errors), distinct(their_errors));
        match first_syntax_error(text) {
            None => assert_eq!(our_errors, their_errors, "errors differ on {text:?}"),
            // After it, the tree reads no further, where `toml` reads on: every error it
            // reports, `toml` reports too.
            Some(first) => {
                assert!(
                    our_errors.contains(&first) && their_errors.contains(&first),
                    "{first:?} missing on {text:?}: ours {our_errors:?}, toml's {their_errors:?}"
                );
                assert!(
                    our_errors.iter().all(|error| their_errors.contains(error)),
                    "extra errors on {text:?}: ours {our_errors:?}, toml's {their_errors:?}"
                );
            }
        }
    }

    /// The first error in the text itself: the parser's first, else the first key or value
    /// that does not decode; found without building any tree.
    fn first_syntax_error(text: &str) -> Option<(String, Option<Range<usize>>)> {
        struct Decoding<'i>(Source<'i>);

        impl<'i> Decoding<'i> {
            fn raw(&self, span: Span, encoding: Option<Encoding>) -> Raw<'i> {
                let text = self.0.input().get(span.start()..span.end()).unwrap_or("");
                Raw::new_unchecked(text, encoding, span)
            }
        }

        impl EventReceiver for Decoding<'_> {
            fn simple_key(
                &mut self,
                span: Span,
                kind: Option<Encoding>,
                errors: &mut dyn ErrorSink,
            ) {
                self.raw(span, kind)
                    .decode_key(&mut Cow::Borrowed(""), errors);
            }
            fn scalar(&mut self, span: Span, kind: Option<Encoding>, errors: &mut dyn ErrorSink) {
                let mut decoded = Cow::Borrowed("");
                let kind = self.raw(span, kind).decode_scalar(&mut decoded, errors);
                if kind == ScalarKind::DateTime
                    && let Err(error) = decoded.parse::<Datetime>()
                {
                    errors.report_error(ParseError::new(error.to_string()).with_unexpected(span));
                }
            }
            fn comment(&mut self, span: Span, errors: &mut dyn ErrorSink) {
                self.raw(span, None).decode_comment(errors);
            }
            fn newline(&mut self, span: Span, errors: &mut dyn ErrorSink) {
                self.raw(span, None).decode_newline(errors);
            }
        }

        // The parser's own errors first: after one, the tree decodes nothing more.
        let source = Source::new(text);
        let tokens: Vec<_> = source.lex().collect();
        let first = |receiver: &mut dyn EventReceiver| {
            let mut errors: Vec<ParseError> = Vec::new();
            toml_parser::parser::parse_document(&tokens, receiver, &mut errors);
            let errors = errors
                .iter()
                .map(SyntaxError::new)
                .map(|error| (error.message, error.span))
                .collect();
            distinct(errors).into_iter().next()
        };
        first(&mut ()).or_else(|| first(&mut Decoding(source)))
    }

    #[test]
    fn the_rules_of_tables_and_keys_match_toml() {
        for text in [
            "",
            "a = 1\nb = 'x'\nc = \"y\\u00e9\"\nd = \"\"\"\nline\"\"\"\ne = '''raw'''",
            "n = 0x1F\no = 0o17\nb = 0b101\nu = 1_000\nf = 1e3\ng = -0.5\nh = inf\ni = nan",
            "d = 2027-03-01\nt = 2026-12-01T09:00:00Z\nl = 2026-12-01T09:00:00\nt2 = 09:00:00",
            "bad = 2026-13-45",
            "[a]\nx = 1\n[b]\ny = 2",
            "[a.b.c]\nx = 1\n[a]\ny = 2",
            "[a.b]\nx = 1\n[a.b]\ny = 2",
            "[a]\nb.c = 1\n[a.b]\nd = 2",
            "[a]\nb = 1\n[a.b]\nc = 2",
            "a = 1\n[a.b]\nc = 2",
            "a = [1]\n[a.b]\nc = 2",
            "a = {x = 1}\n[a.b]\nc = 2",
            "a = {x = 1}\na.y = 2",
            "[[a]]\nx = 1\n[[a]]\nx = 2\n[a.b]\ny = 3\n[[a.c]]\nz = 4",
            "[a]\n[[a]]",
            "[[a]]\n[a]",
            "a = []\n[[a]]",
            "a.b.c = 1\na.b.d = 2\na.e = 3",
            "a.b = 1\na.b.c = 2",
            "a = 1\na = 2",
            "'a' = 1\n\"a\" = 2\na = 3",
            "\"a.b\" = 1\na.b = 2",
            "x = { a = 1, b = { c = 2 }, d.e = 3, d.f = 4 }",
            "x = { a = 1, a = 2 }",
            "x = { a.b = 1, a = 2 }",
            "x = { a = {}, a.b = 1 }",
            "x = [1, [2, 3], { a = 4 }, \"s\"]",
            "x = [\n  1,\n  2, # comment\n]\n",
            "[a]\nb = 1\n[a]\nc = 2",
            "[flags.a]\ndefault = 1\n[[flags.a.rules]]\nserve = 2\n[[flags.a.rules]]\nserve = 3\n[flags.a.environments.staging]\ndefault = 4",
            "[a.b]\n[a]\n[a.b.c]",
            "[a]\nb.c.d = 1\n[a.b.c]\ne = 2",
            "a = \"unterminated",
            "a = 1 2",
            "[a\nb = 1",
            "= 1",
            "a.b. = 1",
            "a = \"bad \\q escape\"",
            "a = '\u{1}'",
            "# \u{7f} comment",
            "a = 1\r\nb = 2\r\n",
            "a = 1\rb = 2",
            "[a.\"b c\".'d']\ne = 1",
            "key-with-dash = 1\n123 = 2\n_x = 3",
        ] {
            assert_same(text);
        }
        let deep = format!("a = {}{}", "[".repeat(100), "]".repeat(100));
        assert_same(&deep);
        let dotted = format!("{} = 1", vec!["k"; 100].join("."));
        assert_same(&dotted);
        // Keys of a line without `=` must not carry over to the next line.
        assert_same("x = 1\nx y\nz = 2");
        assert_same("a b\na.c = 1\na = 2");
        assert_same(&format!("{}c = 1", "k l\n".repeat(81)));
        assert_same(&format!("{} = 1\na = 1\na = 2", vec!["k"; 81].join(".")));
        assert_same(&format!("{} = 1\n[a]\n[a]", vec!["k"; 81].join(".")));
        assert_same("[a\nb = 1\nb = 2");
    }

    #[test]
    fn keys_past_the_nesting_limit_are_located() {
        for text in [
            format!("{} = 1", vec!["k"; 100].join(".")),
            format!("[{}]", vec!["k"; 100].join(".")),
        ] {
            let bump = Bump::new();
            let (_, errors) = parse(&text, &bump);
            let spans: Vec<_> = errors
                .iter()
                .filter(|error| error.message == "recursion limit")
                .map(|error| error.span.clone())
                .collect();
            let offset = text.starts_with('[') as usize;
            let past = offset + 2 * NESTING_LIMIT as usize..offset + 2 * 100 - 1;
            assert_eq!(spans, [Some(past)], "{text}");
        }
    }

    /// Tables of more than `Table::SCANNED` entries are searched through the index: with
    /// entries added by headers, by dotted keys, and reopened (removed and added again).
    #[test]
    fn big_tables_read_as_toml_reads_them() {
        let mut text = String::new();
        for index in 0..40 {
            let _ = writeln!(text, "[t.k{index}.sub]\nx = {index}");
        }
        for index in (0..40).rev() {
            let _ = writeln!(text, "[t.k{index}]\ny = {index}");
        }
        let _ = writeln!(text, "[t]\nz = 1");
        for index in 0..40 {
            let _ = writeln!(text, "d.k{index} = {index}");
        }
        assert_same(&text);
        assert_same(&format!("{text}[t.k7]\n"));
        assert_same(&format!("{text}[t.k39.sub]\n"));
        assert_same(&format!("{text}d.k3 = 1\n"));
        assert_same(&format!(
            "{text}[[t.k3.list]]\n[[t.k3.list]]\n[t.k3.list.inner]\n"
        ));
    }

    #[test]
    fn the_examples_flags_file_reads_as_toml_reads_it() {
        assert_same(include_str!("../../flags.toml"));
    }

    #[cfg(feature = "generate")]
    #[test]
    fn a_generated_flags_file_reads_as_toml_reads_it() {
        assert_same(&crate::generate::flags_toml(300));
    }

    fn key() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "a", "b", "c", "\"a\"", "'b'", "\"a.b\"", "\"\"", "a-b", "1",
        ])
        .prop_map(str::to_owned)
    }

    fn dotted_key() -> impl Strategy<Value = String> {
        prop::collection::vec(key(), 1..4).prop_map(|keys| keys.join("."))
    }

    fn value() -> impl Strategy<Value = String> {
        let scalar = prop::sample::select(vec![
            "1",
            "-2",
            "0x10",
            "1.5",
            "true",
            "\"s\"",
            "'t'",
            "\"e\\n\"",
            "2027-03-01",
            "2026-12-01T09:00:00Z",
            "\"\"\"\nm\"\"\"",
            "nan",
            "1__2",
            "\"\\x\"",
        ])
        .prop_map(str::to_owned);
        scalar.prop_recursive(3, 12, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|items| format!("[{}]", items.join(", "))),
                prop::collection::vec((dotted_key(), inner), 0..4).prop_map(|pairs| {
                    let pairs: Vec<String> = pairs
                        .into_iter()
                        .map(|(key, value)| format!("{key} = {value}"))
                        .collect();
                    format!("{{ {} }}", pairs.join(", "))
                }),
            ]
        })
    }

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => (dotted_key(), value()).prop_map(|(key, value)| format!("{key} = {value}")),
            1 => dotted_key().prop_map(|key| format!("[{key}]")),
            1 => dotted_key().prop_map(|key| format!("[[{key}]]")),
            1 => Just("# comment".to_owned()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn generated_documents_read_as_toml_reads_them(lines in prop::collection::vec(line(), 0..12)) {
            assert_same(&lines.join("\n"));
        }

        #[test]
        fn mangled_documents_read_as_toml_reads_them(
            lines in prop::collection::vec(line(), 1..8),
            cut in any::<prop::sample::Index>(),
            insert in prop::sample::select(vec!["", "[", "]", "=", "\"", ".", "\n", "{", "}", ",", "\\"]),
        ) {
            let mut text = lines.join("\n");
            let at = cut.index(text.len() + 1);
            if text.is_char_boundary(at) {
                text.insert_str(at, insert);
            }
            assert_same(&text);
        }
    }
}
