//! Selecting runs: by study, model kind, source, data set, state and metric.

use serde::{Deserialize, Serialize};

use super::sql::{with_tx, Conn, Sql};
use super::store::{run_of, Run, RUN_COLUMNS};
use crate::hpo::TrialState;
use crate::Result;

/// Which runs to select; every field left `None` selects all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    pub study: Option<String>,
    /// Model kind (exact) or reproduction id.
    pub kind: Option<String>,
    /// `repro:<id>`, `hpo`, `train`; a trailing `*` matches a prefix (`repro:*`).
    pub source: Option<String>,
    pub dataset: Option<String>,
    pub state: Option<TrialState>,
    /// Only runs that recorded this final metric…
    pub metric: Option<String>,
    /// …with a value at least this…
    pub min: Option<f64>,
    /// …and at most this.
    pub max: Option<f64>,
    /// The newest `limit` runs only.
    pub limit: Option<usize>,
}

impl Filter {
    fn keeps(&self, run: &Run) -> bool {
        let Some(name) = &self.metric else {
            return true;
        };
        match run.metric(name) {
            None => false,
            Some(v) => self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m),
        }
    }
}

/// The runs `filter` selects, oldest first.
pub fn runs(conn: &mut dyn Conn, filter: &Filter) -> Result<Vec<Run>> {
    let mut sql = format!(
        "SELECT {RUN_COLUMNS} FROM runs r LEFT JOIN studies s ON s.id = r.study_id WHERE 1 = 1"
    );
    let mut params = Vec::new();
    if let Some(study) = &filter.study {
        sql.push_str(" AND s.name = ?");
        params.push(Sql::text(study.as_str()));
    }
    if let Some(kind) = &filter.kind {
        sql.push_str(" AND r.kind = ?");
        params.push(Sql::text(kind.as_str()));
    }
    if let Some(source) = &filter.source {
        match source.strip_suffix('*') {
            Some(prefix) => {
                sql.push_str(" AND r.source LIKE ? ESCAPE '\\'");
                let escaped: String = prefix
                    .chars()
                    .flat_map(|c| match c {
                        '\\' | '%' | '_' => vec!['\\', c],
                        c => vec![c],
                    })
                    .collect();
                params.push(Sql::text(format!("{escaped}%")));
            }
            None => {
                sql.push_str(" AND r.source = ?");
                params.push(Sql::text(source.as_str()));
            }
        }
    }
    if let Some(dataset) = &filter.dataset {
        sql.push_str(" AND r.dataset = ?");
        params.push(Sql::text(dataset.as_str()));
    }
    if let Some(state) = filter.state {
        sql.push_str(" AND r.state = ?");
        params.push(Sql::text(state.as_str()));
    }
    sql.push_str(" ORDER BY r.id");
    let rows = with_tx(conn, |tx| tx.query(&sql, &params))?;
    let mut runs = rows
        .iter()
        .map(run_of)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|r| filter.keeps(r))
        .collect::<Vec<_>>();
    if let Some(n) = filter.limit {
        let skip = runs.len().saturating_sub(n);
        runs.drain(..skip);
    }
    Ok(runs)
}
