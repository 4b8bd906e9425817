//! Macros generating wire enums: canonical spelling out, case-insensitive (plus aliases) in.

/// A closed enum: an unknown value is a decode error.
macro_rules! closed_enum {
    ($(#[$m:meta])* pub enum $name:ident {
        $($(#[$vm:meta])* $var:ident = $wire:literal $(| $alias:literal)*),+ $(,)?
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            /// The canonical wire spelling.
            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$var => $wire),+ }
            }
        }

        impl $crate::models::de::Wire for $name {
            fn from_wire(s: &str) -> Option<Self> {
                $(if s.eq_ignore_ascii_case($wire) $(|| s.eq_ignore_ascii_case($alias))* {
                    return Some(Self::$var);
                })+
                None
            }
        }

        $crate::models::wire_enum::wire_enum_common!($name);
    };
}

/// An open enum: values not listed are kept in `Other(String)`.
macro_rules! open_enum {
    ($(#[$m:meta])* pub enum $name:ident {
        $($(#[$vm:meta])* $var:ident = $wire:literal $(| $alias:literal)*),+ $(,)?
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)+
            /// A value this client does not know (kept verbatim).
            Other(String),
        }

        impl $name {
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self { $(Self::$var => $wire,)+ Self::Other(s) => s.as_str() }
            }
        }

        impl $crate::models::de::Wire for $name {
            fn from_wire(s: &str) -> Option<Self> {
                $(if s.eq_ignore_ascii_case($wire) $(|| s.eq_ignore_ascii_case($alias))* {
                    return Some(Self::$var);
                })+
                Some(Self::Other(s.to_owned()))
            }
        }

        $crate::models::wire_enum::wire_enum_common!($name);
    };
}

/// Display, Serialize and Deserialize shared by both kinds.
macro_rules! wire_enum_common {
    ($name:ident) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::models::de::enum_req(d)
            }
        }
    };
}

pub(crate) use {closed_enum, open_enum, wire_enum_common};
