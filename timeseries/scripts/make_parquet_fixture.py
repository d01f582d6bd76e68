"""Write tests/fixtures/readings.parquet: a tiny series as pyarrow stores timestamps.

Columns: `timestamp` (timestamp[us], one row out of order), `day` (date32), `value` (float64, one
null), `count` (int64). Run once with any Python that has pyarrow:
    python timeseries/scripts/make_parquet_fixture.py
"""
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

base = dt.datetime(2024, 3, 1, 12, 0, 0)
times = [base + dt.timedelta(minutes=5 * i) for i in (0, 2, 1, 3)]
table = pa.table(
    {
        "timestamp": pa.array(times, pa.timestamp("us")),
        "day": pa.array([t.date() for t in times], pa.date32()),
        "value": pa.array([1.5, None, -2.0, 4.25], pa.float64()),
        "count": pa.array([1, 3, 2, 4], pa.int64()),
    }
)
out = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "readings.parquet"
out.parent.mkdir(parents=True, exist_ok=True)
pq.write_table(table, out)
print(out, out.stat().st_size, "bytes")
