//! A row as named text cells, through serde: the one way every CSV file and
//! table gets its columns, so a CSV header is always the row type's field
//! names, which are also the keys its JSON has.
//!
//! A row is a struct (or a newtype around one) whose fields are one cell
//! each: text and numbers as they read, `true`/`false`, an absent `Option`
//! as an empty cell, a unit enum variant as its name, and a list or tuple as
//! its items joined by single spaces (as `hold list` has always written its
//! users). Nested structs and maps have no one-cell form and are refused.

use std::fmt::Display;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// Why a value could not be made into cells: the row type has a field with
/// no one-cell form, or its own `Serialize` failed.
#[derive(Debug)]
pub struct CellError(String);

impl Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CellError {}

impl ser::Error for CellError {
    fn custom<T: Display>(msg: T) -> Self {
        CellError(msg.to_string())
    }
}

/// The field names of a row type, in declaration order (those of
/// `R::default()`: the header of a CSV file or table with no rows too).
///
/// # Errors
/// `R` is not a flat struct ([`cells`]).
pub fn columns<R: Serialize + Default>() -> Result<Vec<&'static str>, CellError> {
    Ok(cells(&R::default())?.into_iter().map(|(n, _)| n).collect())
}

/// One row as `(column, text)` pairs, in field order (the rules are in the
/// module's documentation).
///
/// # Errors
/// `row` is not a struct, or has a field that is a nested struct or map.
pub fn cells<R: Serialize + ?Sized>(row: &R) -> Result<Vec<(&'static str, String)>, CellError> {
    row.serialize(RowSerializer)
}

fn refuse<T>(what: &str) -> Result<T, CellError> {
    Err(CellError(format!(
        "{what} has no one-cell form in a CSV row or table (output::cells)"
    )))
}

/// Takes a row apart into named cells.
struct RowSerializer;

/// The fields of one row, as they are serialised.
struct RowFields(Vec<(&'static str, String)>);

impl ser::SerializeStruct for RowFields {
    type Ok = Vec<(&'static str, String)>;
    type Error = CellError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CellError> {
        self.0.push((key, value.serialize(CellSerializer)?));
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, CellError> {
        Ok(self.0)
    }
}

macro_rules! not_a_row {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, CellError> {
            refuse("a row that is not a struct")
        })*
    };
}

impl ser::Serializer for RowSerializer {
    type Ok = Vec<(&'static str, String)>;
    type Error = CellError;
    type SerializeSeq = Impossible<Self::Ok, CellError>;
    type SerializeTuple = Impossible<Self::Ok, CellError>;
    type SerializeTupleStruct = Impossible<Self::Ok, CellError>;
    type SerializeTupleVariant = Impossible<Self::Ok, CellError>;
    type SerializeMap = Impossible<Self::Ok, CellError>;
    type SerializeStruct = RowFields;
    type SerializeStructVariant = Impossible<Self::Ok, CellError>;

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<RowFields, CellError> {
        Ok(RowFields(Vec::with_capacity(len)))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Self::Ok, CellError> {
        value.serialize(self)
    }

    not_a_row!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Self::Ok, CellError> {
        refuse("a row that is not a struct")
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, CellError> {
        refuse("a row that is not a struct")
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, CellError> {
        refuse("a row that is not a struct")
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, CellError> {
        refuse("a row that is not a struct")
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, CellError> {
        refuse("a row that is not a struct")
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CellError> {
        refuse("a row that is not a struct")
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CellError> {
        refuse("a row that is not a struct")
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CellError> {
        refuse("a row that is not a struct")
    }
}

/// Makes one field's value into the text of its cell.
struct CellSerializer;

/// The items of a list or tuple in one cell, joined by single spaces.
struct Items(Vec<String>);

impl Items {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CellError> {
        self.0.push(value.serialize(CellSerializer)?);
        Ok(())
    }
}

impl ser::SerializeSeq for Items {
    type Ok = String;
    type Error = CellError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CellError> {
        self.push(value)
    }

    fn end(self) -> Result<String, CellError> {
        Ok(self.0.join(" "))
    }
}

impl ser::SerializeTuple for Items {
    type Ok = String;
    type Error = CellError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CellError> {
        self.push(value)
    }

    fn end(self) -> Result<String, CellError> {
        Ok(self.0.join(" "))
    }
}

impl ser::SerializeTupleStruct for Items {
    type Ok = String;
    type Error = CellError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CellError> {
        self.push(value)
    }

    fn end(self) -> Result<String, CellError> {
        Ok(self.0.join(" "))
    }
}

macro_rules! as_text {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<String, CellError> {
            Ok(v.to_string())
        })*
    };
}

impl ser::Serializer for CellSerializer {
    type Ok = String;
    type Error = CellError;
    type SerializeSeq = Items;
    type SerializeTuple = Items;
    type SerializeTupleStruct = Items;
    type SerializeTupleVariant = Impossible<String, CellError>;
    type SerializeMap = Impossible<String, CellError>;
    type SerializeStruct = Impossible<String, CellError>;
    type SerializeStructVariant = Impossible<String, CellError>;

    as_text!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_char(char),
        serialize_str(&str),
    );

    /// As JSON writes it (`50.0`, `33.3`); empty for a value JSON has no
    /// number for (NaN, infinity).
    fn serialize_f32(self, v: f32) -> Result<String, CellError> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<String, CellError> {
        Ok(serde_json::Number::from_f64(v).map_or_else(String::new, |n| n.to_string()))
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<String, CellError> {
        refuse("a field of bytes")
    }

    fn serialize_none(self) -> Result<String, CellError> {
        Ok(String::new())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, CellError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<String, CellError> {
        Ok(String::new())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<String, CellError> {
        Ok(String::new())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, CellError> {
        Ok(variant.to_string())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, CellError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, CellError> {
        refuse("an enum variant with data")
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Items, CellError> {
        Ok(Items(Vec::with_capacity(len.unwrap_or(0))))
    }

    fn serialize_tuple(self, len: usize) -> Result<Items, CellError> {
        Ok(Items(Vec::with_capacity(len)))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Items, CellError> {
        Ok(Items(Vec::with_capacity(len)))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CellError> {
        refuse("an enum variant with data")
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CellError> {
        refuse("a map field")
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, CellError> {
        refuse("a nested struct field")
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CellError> {
        refuse("an enum variant with data")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Serialize)]
    struct Row {
        name: String,
        #[serde(rename = "total min")]
        total: i64,
        share: f64,
        on: bool,
        users: Vec<String>,
        pair: Option<(String, u32)>,
        when: Option<chrono::NaiveDate>,
        #[serde(skip)]
        _hidden: u8,
    }

    #[test]
    fn a_row_is_its_fields_as_text_and_its_columns_are_their_names() {
        let row = Row {
            name: "=a,b".into(),
            total: -5,
            share: 33.3,
            on: true,
            users: vec!["alice".into(), "bob".into()],
            pair: Some(("x".into(), 7)),
            when: chrono::NaiveDate::from_ymd_opt(2026, 3, 29),
            _hidden: 1,
        };
        assert_eq!(
            cells(&row).unwrap(),
            [
                ("name", "=a,b".to_string()),
                ("total min", "-5".into()),
                ("share", "33.3".into()),
                ("on", "true".into()),
                ("users", "alice bob".into()),
                ("pair", "x 7".into()),
                ("when", "2026-03-29".into()),
            ]
        );
        assert_eq!(
            columns::<Row>().unwrap(),
            ["name", "total min", "share", "on", "users", "pair", "when"]
        );
        let empty: Vec<String> = cells(&Row::default())
            .unwrap()
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        assert_eq!(empty, ["", "0", "0.0", "false", "", "", ""]);
    }

    #[test]
    fn nested_structs_and_maps_are_refused() {
        #[derive(Serialize)]
        struct Outer {
            inner: Row,
        }
        let e = cells(&Outer {
            inner: Row::default(),
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "a nested struct field has no one-cell form in a CSV row or table (output::cells)"
        );
        let map: std::collections::BTreeMap<&str, u8> = [("a", 1)].into();
        assert!(cells(&map).is_err());
        assert!(cells(&7u8).is_err());
    }
}
