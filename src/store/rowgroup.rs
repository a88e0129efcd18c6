//! One Parquet row group of the events table: its rows as Arrow columns in
//! [`crate::event::schema`] order, and the same encoded and compressed,
//! ready for [`super::writer::PartitionWriter`] to append.
//!
//! Encoding a row group is the costly part of writing it, and needs nothing
//! of the file it goes to: the ingest's parser threads do it, the writer
//! thread only appends the pages. String columns come as dictionary arrays
//! (keys given while parsing, the block's distinct strings as values) and
//! are written as they are: a dictionary page of the distinct strings and
//! RLE/bit-packed keys (Parquet format, "Encodings": `RLE_DICTIONARY`), with
//! min/max statistics from the dictionary. Columns whose values seldom
//! repeat are written `PLAIN`; times, line numbers and byte counts
//! `DELTA_BINARY_PACKED`; small integers as Polars decides (a dictionary
//! when their range is narrow). Pages are zstd level 1 only in the columns
//! it shrinks (`compressed`).

use std::cell::RefCell;
use std::sync::OnceLock;

use anyhow::{Context, ensure};
use polars::prelude::{ArrowSchema, CompatLevel, SchemaExt};
use polars_arrow::array::{Array, DictionaryArray, PrimitiveArray};
use polars_arrow::bitmap::Bitmap;
use polars_parquet::parquet::CowBuffer;
use polars_parquet::parquet::compression::Compression;
use polars_parquet::parquet::page::CompressedDictPage;
use polars_parquet::write::{
    CompressedDataPage, CompressedPage, CompressionOptions, Encoding, Page, ParquetType,
    StatisticsOptions, Version, WriteOptions, ZstdLevel,
};

use crate::event::col;

/// The Arrow form of [`crate::event::schema`] (strings as `Utf8View`,
/// `ts` as a millisecond timestamp in UTC), as Polars writes it into each
/// file's `ARROW:schema` metadata.
pub fn arrow_schema() -> &'static ArrowSchema {
    static SCHEMA: OnceLock<ArrowSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| crate::event::schema().to_arrow(CompatLevel::newest()))
}

/// The Parquet leaf type of each column, from [`arrow_schema`].
fn parquet_types() -> &'static [ParquetType] {
    static TYPES: OnceLock<Vec<ParquetType>> = OnceLock::new();
    TYPES.get_or_init(|| {
        polars_parquet::write::to_parquet_schema(arrow_schema())
            .expect("the event schema has a Parquet form")
            .fields()
            .to_vec()
    })
}

/// Write options of every events file: statistics (min, max, null count),
/// Parquet format 1 pages, zstd level 1, Polars' default page size.
pub fn write_options() -> WriteOptions {
    WriteOptions {
        statistics: StatisticsOptions::default(),
        version: Version::V1,
        compression: CompressionOptions::Zstd(Some(
            ZstdLevel::try_new(1).expect("1 is a zstd level"),
        )),
        data_page_size: None,
    }
}

/// The encoding of a column that is not a dictionary array: times, line
/// numbers and byte counts `DELTA_BINARY_PACKED` (byte counts so packed
/// are as small as `PLAIN` after zstd, without zstd's time); URLs and
/// flags `PLAIN` (they seldom repeat, or zstd does better); small integers
/// (status, elapsed time, port, bytes sent) `RLE_DICTIONARY`, which Polars
/// turns into `PLAIN` when their range is too wide for it.
fn plain_encoding(name: &str) -> Encoding {
    match name {
        col::STATUS | col::ELAPSED_MS | col::BYTES_OUT | col::DST_PORT => Encoding::RleDictionary,
        col::TS | col::LINE | col::BYTES => Encoding::DeltaBinaryPacked,
        _ => Encoding::Plain,
    }
}

thread_local! {
    /// Each thread's zstd context, made once: a context is a few hundred
    /// KiB of tables, and a block's row group has a page or two per column.
    static ZSTD: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
}

/// `page` compressed with zstd level 1 (as [`write_options`] says) in this
/// thread's context.
fn zstd_page(page: Page) -> anyhow::Result<CompressedPage> {
    ZSTD.with_borrow_mut(|context| {
        let zstd = match context {
            Some(c) => c,
            None => context.insert(zstd::bulk::Compressor::new(1)?),
        };
        Ok(match page {
            Page::Data(p) => {
                let compressed = zstd.compress(p.buffer())?;
                CompressedPage::Data(CompressedDataPage::new(
                    p.header().clone(),
                    CowBuffer::Owned(compressed),
                    Compression::Zstd,
                    p.buffer().len(),
                    p.descriptor.clone(),
                    p.num_rows.context("a data page to write knows its rows")?,
                ))
            }
            Page::Dict(p) => {
                let compressed = zstd.compress(&p.buffer)?;
                CompressedPage::Dict(CompressedDictPage::new(
                    CowBuffer::Owned(compressed),
                    Compression::Zstd,
                    p.buffer.len(),
                    p.num_values,
                    p.is_sorted,
                ))
            }
        })
    })
}

/// Whether a column's pages are worth zstd: not those that their encoding
/// already packs (times and byte counts as deltas; numbers, hosts, domains, sites and
/// methods as dictionary keys a few bits wide), where zstd saves 0 to 20%
/// for most of its time (measured on `benches/compare.sh 1G`).
fn compressed(name: &str) -> bool {
    !matches!(
        name,
        col::TS
            | col::ELAPSED_MS
            | col::HOST
            | col::DOMAIN
            | col::SITE
            | col::METHOD
            | col::STATUS
            | col::BYTES
            | col::DST_PORT
            | col::BYTES_OUT
            | col::ACTION
            | col::SOURCE
    )
}

/// Rows of the events table as Arrow columns in schema order, all of one
/// length.
#[derive(Debug, Clone)]
pub struct Rows {
    len: usize,
    columns: Vec<Box<dyn Array>>,
}

/// A row group encoded and compressed: per column, its pages.
pub struct EncodedRows {
    /// Rows in the group.
    pub rows: u64,
    /// Per column (schema order), its dictionary page (if any) then its data pages.
    pub columns: Vec<Vec<CompressedPage>>,
}

impl Rows {
    /// Rows from columns in schema order.
    ///
    /// # Errors
    /// Not one column per schema field, or columns of different lengths.
    pub fn new(columns: Vec<Box<dyn Array>>) -> anyhow::Result<Rows> {
        let fields = arrow_schema().len();
        ensure!(
            columns.len() == fields,
            "{} columns for the {fields} of the event schema",
            columns.len()
        );
        let len = columns.first().map_or(0, |c| c.len());
        ensure!(
            columns.iter().all(|c| c.len() == len),
            "event columns of different lengths"
        );
        Ok(Rows { len, columns })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The column named `name` (one of [`crate::event::col`]).
    pub fn column(&self, name: &str) -> Option<&dyn Array> {
        let i = arrow_schema().index_of(name)?;
        Some(self.columns[i].as_ref())
    }

    /// The rows whose bit in `keep` is set, in order.
    ///
    /// # Panics
    /// When `keep` is not one bit per row.
    pub fn filter(&self, keep: &Bitmap) -> Rows {
        assert_eq!(keep.len(), self.len, "one bit per row");
        let columns = self
            .columns
            .iter()
            .map(
                |c| match c.as_any().downcast_ref::<DictionaryArray<u32>>() {
                    // Filter the keys; the dictionary stays as it is.
                    Some(d) => {
                        let keys: &PrimitiveArray<u32> = d.keys();
                        let keys = polars_compute::filter::filter_with_bitmap(keys, keep);
                        let keys = keys
                            .as_any()
                            .downcast_ref::<PrimitiveArray<u32>>()
                            .expect("filtering keeps the type")
                            .clone();
                        DictionaryArray::try_new(d.dtype().clone(), keys, d.values().clone())
                            .expect("filtered keys stay within the dictionary")
                            .boxed()
                    }
                    None => polars_compute::filter::filter_with_bitmap(c.as_ref(), keep),
                },
            )
            .collect();
        Rows {
            len: keep.set_bits(),
            columns,
        }
    }

    /// Encodes and compresses the rows as one row group.
    ///
    /// # Errors
    /// Polars' Parquet encoder refuses a column (a bug: the types are fixed).
    pub fn encode(&self) -> anyhow::Result<EncodedRows> {
        let options = write_options();
        let schema = arrow_schema();
        let columns = self
            .columns
            .iter()
            .zip(parquet_types())
            .zip(schema.iter_values())
            .map(|((array, type_), field)| {
                let encoding = if array.as_any().is::<DictionaryArray<u32>>() {
                    Encoding::RleDictionary
                } else if array.null_count() == array.len() {
                    // Nothing but nulls (a log without that field): no values to encode.
                    Encoding::Plain
                } else {
                    plain_encoding(&field.name)
                };
                let leaves = polars_parquet::write::array_to_columns(
                    array.as_ref(),
                    type_.clone(),
                    options,
                    &[encoding],
                )
                .with_context(|| format!("cannot encode column {}", field.name))?;
                let zstd = compressed(&field.name);
                let mut pages = Vec::new();
                for leaf in leaves {
                    for page in leaf {
                        let page =
                            page.with_context(|| format!("cannot encode column {}", field.name))?;
                        pages.push(
                            if zstd {
                                zstd_page(page)
                            } else {
                                polars_parquet::write::compress(
                                    page,
                                    Vec::new(),
                                    CompressionOptions::Uncompressed,
                                )
                                .map_err(anyhow::Error::from)
                            }
                            .with_context(|| format!("cannot compress column {}", field.name))?,
                        );
                    }
                }
                Ok(pages)
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(EncodedRows {
            rows: self.len as u64,
            columns,
        })
    }
}
