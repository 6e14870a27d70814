//! SQLite's catalog. SQLite keeps a table's checks, keys and references
//! only in the text of its definition, so each table's text is split into
//! its column definitions and table constraints; entries compare by name,
//! so a column added at the end by `ADD COLUMN` equals the same column
//! declared in place.

use rusqlite::Connection;

use super::{Catalog, Entry, HISTORY_TABLE};

/// The schema objects of the main database of `conn`.
pub fn read(conn: &Connection) -> rusqlite::Result<Catalog> {
    let mut catalog = Catalog::default();
    let mut statement = conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema \
         WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (kind, name, table, sql) = row?;
        if table == HISTORY_TABLE {
            continue;
        }
        match kind.as_str() {
            "table" => add_table(&mut catalog, &table, &sql),
            "index" => {
                catalog.entries.insert(Entry::Index {
                    table,
                    name,
                    definition: normalize(&sql),
                });
            }
            _ => {
                catalog.entries.insert(Entry::Constraint {
                    table,
                    name,
                    definition: format!("{kind}: {}", normalize(&sql)),
                });
            }
        }
    }
    Ok(catalog)
}

fn add_table(catalog: &mut Catalog, table: &str, sql: &str) {
    catalog.entries.insert(Entry::Table {
        table: table.to_owned(),
    });
    let body = match (sql.find('('), sql.rfind(')')) {
        (Some(open), Some(close)) if open < close => &sql[open + 1..close],
        _ => "",
    };
    for item in split_top_level(body) {
        let item = normalize(&item);
        let first = item.split(' ').next().unwrap_or_default();
        let is_constraint = matches!(
            first.to_ascii_uppercase().as_str(),
            "CONSTRAINT" | "CHECK" | "PRIMARY" | "UNIQUE" | "FOREIGN"
        );
        if is_constraint {
            let name = match first.eq_ignore_ascii_case("CONSTRAINT") {
                true => item.split(' ').nth(1).unwrap_or_default().to_owned(),
                false => String::new(),
            };
            catalog.entries.insert(Entry::Constraint {
                table: table.to_owned(),
                name,
                definition: item.clone(),
            });
        } else {
            catalog.entries.insert(Entry::Column {
                table: table.to_owned(),
                column: first.to_owned(),
                definition: item[first.len()..].trim().to_owned(),
            });
        }
    }
}

/// The comma-separated items of a definition's body, commas inside
/// brackets or quotes left alone.
fn split_top_level(body: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for c in body.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        items.push(current);
    }
    items
}

/// SQL text with runs of white space as one space, none just inside
/// brackets, and identifiers' double quotes dropped: a table SQLite
/// renamed has its name quoted in its text, a fresh one may not.
fn normalize(sql: &str) -> String {
    let text = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    text.replace("( ", "(").replace(" )", ")").replace('"', "")
}
