"""The rooms' tables as SQLAlchemy models. The migrations in `migrations/versions/` make the same tables
(a test compares them); change both together, with a new migration, never an edited one.

Times are naive UTC (SQLite keeps no time zone); JSON is stored as text so SQLite and PostgreSQL hold the
same bytes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, MetaData, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RoomRow(Base):
    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(80))
    compare_keys: Mapped[str] = mapped_column(Text)  # JSON list of Config keys; [] = found from the runs
    key_salt: Mapped[str] = mapped_column(String(64))  # hex
    key_hash: Mapped[str] = mapped_column(String(128))  # hex scrypt of the instructor key; never the key
    closed: Mapped[bool] = mapped_column(server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class MemberRow(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of the member token
    nickname: Mapped[str] = mapped_column(String(30))
    joined_at: Mapped[datetime] = mapped_column(DateTime)


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    config: Mapped[str] = mapped_column(Text)  # Config.to_json()
    seed: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[str] = mapped_column(Text)  # JSON object name → number or null
    curve: Mapped[str] = mapped_column(Text)  # JSON list of per-epoch records, at most 200
    seconds: Mapped[float | None] = mapped_column(Float)
    hidden: Mapped[bool] = mapped_column(server_default=false())
    posted_at: Mapped[datetime] = mapped_column(DateTime)
