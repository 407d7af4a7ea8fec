"""The typed syntax tree of an .ocx spec.

Produced by `ocpispec.language.parser.parse`; every node is a frozen dataclass carrying the span
of the text it came from. The lark parse tree never leaves the parser. Node names match
the grammar rules in grammar/ocx.lark. The nodes live in modules by the part of a spec
they stand for (`leaves`, `expressions`, `header`, `blocks`, `shaping`); this package
is their one face: `syntax.FieldRef`.
"""

from ocpispec.language.syntax.leaves import (  # noqa: F401
    Ident,
    Text,
)
from ocpispec.language.syntax.expressions import (  # noqa: F401
    And,
    BinaryOp,
    Call,
    Compare,
    Condition,
    Expr,
    field_refs,
    FieldRef,
    InList,
    IsNull,
    ListLiteral,
    Literal,
    Matches,
    Not,
    Or,
)
from ocpispec.language.syntax.header import (  # noqa: F401
    ApprovalRequirement,
    Header,
    LegalBasis,
    PseudonymScope,
    Retention,
    SecretRef,
    Source,
)
from ocpispec.language.syntax.blocks import (  # noqa: F401
    Between,
    CALENDAR_WINDOWS,
    Each,
    EventTime,
    From,
    IncludePrivate,
    Join,
    LastPeriod,
    MonthToDate,
    PreviousPeriod,
    Sample,
    SinceDate,
    SinceLastRun,
    Spread,
    Where,
    Window,
)
from ocpispec.language.syntax.shaping import (  # noqa: F401
    Aggregate,
    Column,
    Cron,
    Daily,
    Dataset,
    Dominance,
    Every,
    Hourly,
    KRule,
    Limit,
    Monthly,
    OrderBy,
    OrderKey,
    Output,
    OutputOption,
    RoundCounts,
    Schedule,
    Select,
    Spec,
    Weekly,
)
