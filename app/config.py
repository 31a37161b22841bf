"""Office configuration of this terminal: office and municipality, terminal id, central server
address (never a password: that lives in the OS keyring), default reader, language.

Stored as JSON in the platform's config directory (``app.paths.config_dir``). Secrets never go
here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from app.paths import config_dir


@dataclass
class OfficeConfig:
    municipality_name: str = "研修市"           # 市区町村名
    municipality_code: str = "999999"         # 全国地方公共団体コード (6 digits)
    mayor_title: str = "研修市長"               # 認証文の首長名
    office_name: str = "本庁 市民課"
    office_code: str = "00"
    terminal_id: str = "T001"
    server_host: str = ""                     # central PostgreSQL host (no password here)
    server_port: int = 5432
    server_db: str = "madoguchi"
    server_user: str = ""
    default_reader: str = ""
    language: str = "ja"

    @classmethod
    def path(cls) -> Path:
        return config_dir() / "config.json"

    @classmethod
    def load(cls) -> "OfficeConfig":
        path = cls.path()
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self) -> Path:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path)
        return path
