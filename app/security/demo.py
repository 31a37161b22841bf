"""Training accounts (研修用アカウント) for the demo store of ``make run``.

These logins and passwords are published on purpose (README, the ``app.security`` docstring, the output of
``madoguchi staff demo``): they exist only for training on demo data and must never be created in
a live store: :func:`create_training_accounts` refuses a store that is not a training store (one
holding the demo municipality, ``settings['demo']``, or marked ``settings['training']``; a new,
empty store becomes one). Creating them is idempotent: an existing login is left as it is, except
that a training account made before signing keys existed gets its key (the password is public).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.rules.codes import Role
from app.security.staff import StaffError, StaffMember, add_staff, get_staff, reset_password


@dataclass(frozen=True)
class TrainingAccount:
    login: str
    display_name: str
    roles: tuple[Role, ...]
    password: str
    employee_no: str
    note: str
    outsourced: bool = False


TRAINING_ACCOUNTS: tuple[TrainingAccount, ...] = (
    TrainingAccount("clerk1", "窓口 一郎", (Role.CLERK,), "clerk1-kenshu", "T0001",
                    "counter clerk"),
    TrainingAccount("clerk2", "窓口 二美", (Role.CLERK,), "clerk2-kenshu", "T0002",
                    "counter clerk (confirms a re-lock as the third person)"),
    TrainingAccount("officer1", "支援 責任", (Role.SUPPORT_OFFICER,), "officer1-kenshu", "T0003",
                    "support officer (支援措置責任者): releases or refuses"),
    TrainingAccount("officer2", "支援 副責任", (Role.SUPPORT_OFFICER,), "officer2-kenshu", "T0004",
                    "second support officer"),
    TrainingAccount("admin1", "管理 太郎", (Role.ADMINISTRATOR,), "admin1-kenshu", "T0005",
                    "administrator: staff accounts and settings"),
    TrainingAccount("dual1", "兼務 花子", (Role.CLERK, Role.SUPPORT_OFFICER), "dual1-kenshu",
                    "T0006", "one person holding both roles: can never release her own case"),
    TrainingAccount("itaku1", "委託 一子", (Role.CLERK,), "itaku1-kenshu", "T0007",
                    "outsourced clerk (委託): never past a restriction, neutral texts only",
                    outsourced=True),
)


class NotTrainingStoreError(StaffError):
    """The published training accounts are never made in a live store."""


def is_training_store(store) -> bool:
    """Demo municipality or marked training; a store with no staff and no residents is new."""
    if store.setting("demo", None) is not None or store.setting("training", False) is True:
        return True
    conn = store.conn
    return (conn.execute("SELECT 1 FROM staff LIMIT 1").fetchone() is None
            and conn.execute("SELECT 1 FROM residents LIMIT 1").fetchone() is None)


def create_training_accounts(store, *, terminal_id: str) -> list[tuple[TrainingAccount, StaffMember, bool]]:
    """Create the training accounts that are missing; returns (account, member, created).
    Refuses (:class:`NotTrainingStoreError`) a store that is not a training store."""
    if not is_training_store(store):
        raise NotTrainingStoreError(
            f"{store.path} は研修用ストアではありません。公開されている研修用アカウント（管理者・支援措置責任者を含む）"
            f"は本番のストアには作りません。 / {store.path} is not a training store (no demo "
            f"municipality): the published training accounts, officers and administrator "
            f"included, are never created in a live store. Nothing was changed.")
    if store.setting("training", False) is not True:
        store.set_setting("training", True)
    out = []
    for account in TRAINING_ACCOUNTS:
        existing = get_staff(store.conn, login=account.login)
        if existing:
            if store.conn.execute("SELECT sign_key IS NULL FROM staff WHERE id = ?",
                                  (existing.id,)).fetchone()[0]:
                # a training store made before signing keys: the published password is known
                existing = reset_password(store, account.login, account.password, actor_id=None,
                                          terminal_id=terminal_id, must_change=False)
            out.append((account, existing, False))
            continue
        member = add_staff(store, login=account.login, display_name=account.display_name,
                           roles=account.roles, password=account.password,
                           employee_no=account.employee_no, actor_id=None,
                           terminal_id=terminal_id, outsourced=account.outsourced)
        out.append((account, member, True))
    return out
