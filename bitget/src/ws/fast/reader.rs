//! The byte cursor of the fast decoder: a strict JSON subset, strings borrowed from the
//! frame, and `None` (fall back to the general decoder) on anything outside it.

use rust_decimal::Decimal;

use super::super::num;

/// `None` = not on the fast path (fall back to the general decoder).
pub(super) type R<T> = Option<T>;

/// Nesting allowed inside skipped values before falling back.
const MAX_DEPTH: u32 = 32;

/// Offset of the first `"`, `\` or control character in `b` (eight bytes at a time).
#[inline]
pub(super) fn special(b: &[u8]) -> R<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let v = u64::from_le_bytes(chunk.try_into().ok()?);
        let q = v ^ (LO * u64::from(b'"'));
        let s = v ^ (LO * u64::from(b'\\'));
        // Per byte: zero after the xor (a quote or backslash), or below 0x20. The lowest
        // flagged byte is exact (borrows only propagate upwards from a real match).
        let hit = ((q.wrapping_sub(LO) & !q)
            | (s.wrapping_sub(LO) & !s)
            | (v.wrapping_sub(LO * 0x20) & !v))
            & HI;
        if hit != 0 {
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let rest = b.get(i..)?;
    rest.iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| i + p)
}

/// A numeric-field token.
pub(super) enum Num<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

/// A byte cursor over the frame.
pub(super) struct Rd<'a> {
    pub(super) s: &'a str,
    pub(super) b: &'a [u8],
    pub(super) i: usize,
}

impl<'a> Rd<'a> {
    /// Next non-whitespace byte (not consumed).
    #[inline]
    pub(super) fn peek(&mut self) -> R<u8> {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.i += 1;
            } else {
                return Some(c);
            }
        }
        None
    }

    #[inline]
    pub(super) fn eat(&mut self, c: u8) -> R<()> {
        if self.peek()? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// Marks key `bit` as seen; a duplicate key falls back.
    #[inline]
    pub(super) fn once(&mut self, seen: &mut u32, bit: u32) -> R<()> {
        let m = 1 << bit;
        if *seen & m != 0 {
            return None;
        }
        *seen |= m;
        Some(())
    }

    /// A string without escapes or control characters, borrowed.
    #[inline]
    pub(super) fn str(&mut self) -> R<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let len = special(self.b.get(start..)?)?;
        if self.b.get(start + len) != Some(&b'"') {
            return None;
        }
        self.i = start + len + 1;
        // A quote is ASCII, so both ends are character boundaries.
        self.s.get(start..start + len)
    }

    /// A JSON number (strict grammar), as text.
    pub(super) fn number(&mut self) -> R<&'a str> {
        self.peek()?;
        let start = self.i;
        let b = self.b;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(b.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let d = i;
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            if i == d {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let d = i;
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            if i == d {
                return None;
            }
        }
        self.i = i;
        self.s.get(start..i)
    }

    pub(super) fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// Skips (and validates) any value.
    pub(super) fn skip(&mut self, depth: u32) -> R<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.str().map(drop),
            b'{' => self.object(|r, _| r.skip(depth + 1)),
            b'[' => self.array(|r| r.skip(depth + 1)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// `{ "key": value, … }`, calling `f` on each key with the cursor on its value.
    #[inline]
    pub(super) fn object(&mut self, mut f: impl FnMut(&mut Self, &'a str) -> R<()>) -> R<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let k = self.str()?;
            self.eat(b':')?;
            f(self, k)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `[ value, … ]`, calling `f` with the cursor on each element.
    #[inline]
    pub(super) fn array(&mut self, mut f: impl FnMut(&mut Self) -> R<()>) -> R<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            f(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    pub(super) fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> R<T>) -> R<Vec<T>> {
        let mut out = Vec::with_capacity(1);
        self.array(|r| {
            out.push(item(r)?);
            Some(())
        })?;
        Some(out)
    }

    /// A string, number or null where a number is expected. Numbers are taken only as
    /// plain integers of at most 18 digits (floats keep the general decoder's handling).
    #[inline]
    pub(super) fn num(&mut self) -> R<Num<'a>> {
        match self.peek()? {
            b'"' => self.str().map(Num::Text),
            b'n' => self.literal(b"null").map(|()| Num::Null),
            _ => {
                let t = self.number()?;
                let digits = t.strip_prefix('-').unwrap_or(t);
                if digits.len() > 18
                    || digits.starts_with('0')
                    || !digits.bytes().all(|c| c.is_ascii_digit())
                {
                    return None;
                }
                t.parse().ok().map(Num::Int)
            }
        }
    }

    /// Optional decimal: `""`/`null` are `None`.
    #[inline]
    pub(super) fn opt_dec<T: From<Decimal>>(&mut self) -> R<Option<T>> {
        // The usual case, a quoted plain decimal, parsed in the same pass as the string.
        if self.peek()? == b'"' {
            let at = self.i + 1;
            if let Some((v, n)) = self.b.get(at..).and_then(num::plain_prefix)
                && self.b.get(at + n) == Some(&b'"')
            {
                self.i = at + n + 1;
                return Some(Some(T::from(v)));
            }
        }
        Some(match self.num()? {
            Num::Text("") | Num::Null => None,
            Num::Text(s) => Some(T::from(num::dec(s).ok()?)),
            Num::Int(v) => Some(T::from(Decimal::from(v))),
        })
    }

    /// Optional integer: `""`/`null` are `None`.
    #[inline]
    pub(super) fn opt_int(&mut self) -> R<Option<i64>> {
        Some(match self.num()? {
            Num::Text("") | Num::Null => None,
            Num::Text(s) => Some(s.parse().ok()?),
            Num::Int(v) => Some(v),
        })
    }

    /// Optional string: `""`/`null` are `None` (numbers fall back).
    pub(super) fn opt_str(&mut self) -> R<Option<&'a str>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        let s = self.str()?;
        Some((!s.is_empty()).then_some(s))
    }
}
