"""What a deployment template says about each function, with where it says it."""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from lambdalint.catalog import templates as facts
from lambdalint.discovery import relative
from lambdalint.model import HandlerSpec
from lambdalint.templates.loader import NO_MARK, Mark, TemplateError

if TYPE_CHECKING:
    from lambdalint.model import FunctionInfo, ModuleModel

# Template kinds.
CLOUDFORMATION = "cloudformation"  # SAM and plain CloudFormation, YAML or JSON
SERVERLESS = "serverless"  # serverless.yml (Serverless Framework)
CDK = "cdk"  # a Python CDK app file
CDK_TS = "cdk-typescript"  # a TypeScript CDK app file
TERRAFORM = "terraform"  # a `.tf` file (the `.tf` files of one folder are one Terraform module)


@dataclass(eq=False)
class Template:
    """One deployment file: a SAM/CloudFormation template, a serverless.yml, a
    Python or TypeScript file of a CDK app, or a Terraform `.tf` file."""

    path: Path
    rel_path: str  # POSIX, relative to the working directory (like SourceFile.rel_path)
    text: str
    kind: str = CLOUDFORMATION
    # Relative paths in the template (CodeUri, Code.from_asset) start here.
    base_dir: str = ""
    on_disk: bool = True
    explicit: bool = False  # named in config `templates` or on the command line
    problem: TemplateError | None = None
    functions: list[TemplateFunction] = field(default_factory=list)
    read: bool | None = None  # None until read; False when it turned out not to be a template
    bug: str = ""  # set when reading it crashed (a lambdalint bug, reported on stderr)
    # Other files reading this one depended on (a Terraform module's called modules
    # and variable files outside the run's templates): part of the results cache's key.
    includes: list[Template] = field(default_factory=list)
    # The folders whose listing decided which of those files were read: (folder,
    # suffixes, names found), so a cached run can tell that no such file came or went.
    listings: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)

    def at(self, mark: Mark) -> Where:
        return Where(self, mark)


@dataclass(frozen=True, eq=False)
class Where:
    """A place in a template: the line findings are reported at."""

    template: Template
    mark: Mark = NO_MARK

    @property
    def line(self) -> int:
        return self.mark.line

    def describe(self) -> str:
        return f"{self.template.rel_path}:{self.mark.line}"


@dataclass
class Setting:
    """A function setting as deployed: its value (None when the template computes
    it, e.g. `!If`), where it is written, and where it comes from when inherited."""

    value: Any
    where: Where
    origin: str = ""  # "Globals", "provider", "parameter Runtime's default", ...

    @property
    def known(self) -> bool:
        return self.value is not None

    def describe(self) -> str:
        return f" (from {self.origin})" if self.origin else ""


# Event sources whose mappings can report partial batch failures ...
SQS, KINESIS, DYNAMODB = "SQS", "Kinesis", "DynamoDB"
BATCH_KINDS = frozenset({SQS, KINESIS, DYNAMODB})
# ... and the other sources a template can declare. They reach the execution
# model through the handler's entry point (`EntryPoint.declared`), for the
# rules that depend on how a function is invoked.
S3, SNS, EVENTBRIDGE, SCHEDULE = "S3", "SNS", "EventBridge", "Schedule"
LOGS, IOT, MQ, KAFKA = "CloudWatchLogs", "IoT", "MQ", "Kafka"
API, ALB, FUNCTION_URL = "API", "ALB", "FunctionURL"  # synchronous HTTP callers
COGNITO = "Cognito"  # triggers: Cognito waits for the answer
# How each kind invokes the function: "sync" (the caller waits for the answer),
# "async" (Lambda queues the event, retries twice, then a DLQ or destination),
# "poll" (an event source mapping reads batches and retries them).
INVOCATION = {SQS: "poll", KINESIS: "poll", DYNAMODB: "poll", MQ: "poll", KAFKA: "poll",
              S3: "async", SNS: "async", EVENTBRIDGE: "async", SCHEDULE: "async", LOGS: "async", IOT: "async",
              API: "sync", ALB: "sync", FUNCTION_URL: "sync", COGNITO: "sync"}


@dataclass
class EventSource:
    """A source of events a template declares for one function."""

    kind: str  # one of the kinds above
    name: str  # for messages: "SQS event `Orders`", "`SqsEventSource(...)`"
    where: Where
    # Batch kinds: whether FunctionResponseTypes holds ReportBatchItemFailures;
    # None when the template computes it (`!If`, a variable) and lambdalint
    # cannot tell, or for kinds without batches.
    partial_batch: bool | None = None
    # S3 notifications: the object key filter (None: no filter, or computed).
    prefix: str | None = None
    suffix: str | None = None
    # Batch kinds: the most records one invocation gets (`BatchSize`), when the
    # template sets it to a literal number; None: the service's default, or computed.
    batch_size: int | None = None

    @property
    def invocation(self) -> str:
        return INVOCATION.get(self.kind, "")


@dataclass
class LayerRef:
    """A layer a function is deployed with (in the order Lambda stacks them).

    Lambda extracts a layer into `/opt`, so its `python/` folder (and
    `python/lib/python3.X/site-packages`) comes after the function's own code on
    `sys.path`. ``content_dir`` is the layer's folder in the checked tree
    (`ContentUri`, a serverless layer's `path`, `Code.from_asset(...)`, a
    Terraform `source_dir`), relative to the working directory; None when the
    template names the layer only by ARN or computes it (the environment then
    looks for the layer's code by the packages the handlers import).
    """

    name: str  # logical id, layer key, construct id, or the ARN as written: for messages
    where: Where
    content_dir: str | None = None


@dataclass
class InlineCode:
    """Python code written in the template itself (SAM `InlineCode`, CloudFormation
    `Code.ZipFile`, CDK `Code.fromInline`). It is checked as a module of its own
    (`lambdalint.templates.inline`), and its findings are reported in the template.

    ``lines`` says where each line of ``text`` starts in the template (line and
    column of its first character, 1-based) when the template holds the code
    verbatim: a YAML literal block (`|`), or a TypeScript template string or Python
    string without escapes. Otherwise (folded or quoted YAML, JSON strings,
    escapes) it is None, and every finding in the code is reported at ``where``.
    """

    text: str
    where: Where  # the `InlineCode`/`ZipFile` key, or the `fromInline(...)` call
    lines: tuple[tuple[int, int], ...] | None = None

    def place(self, line: int, column: int) -> tuple[int, int]:
        """The template's (line, column) for a (line, column) of the code, 1-based."""
        if self.lines is None or not 1 <= line <= len(self.lines):
            return self.where.mark.line, self.where.mark.column
        start_line, start_column = self.lines[line - 1]
        return start_line, start_column + column - 1


@dataclass(eq=False)
class TemplateFunction:
    """One Lambda function a template deploys."""

    template: Template
    name: str  # logical id, serverless function key, or CDK construct id
    where: Where  # the resource / function / construct
    handler: Setting | None = None
    runtime: Setting | None = None
    timeout: Setting | None = None  # seconds
    memory: Setting | None = None  # MB
    default_timeout: int = 3
    default_memory: int = 128
    # The folder the handler module is looked up in (POSIX, relative to the
    # working directory), or None with the reason in `code_note`.
    code_dir: str | None = None
    code_where: Where | None = None
    code_note: str = ""
    events: list[EventSource] = field(default_factory=list)
    layers: list[LayerRef] = field(default_factory=list)  # in order; see LayerRef
    python_implied: bool = False  # CDK PythonFunction: Python whatever `runtime` says
    inline: InlineCode | None = None  # code written in the template (code_dir is then None)
    # Why `handler` names no Python function though the runtime is Python (the Lambda
    # Web Adapter runs a web server instead): the handler is then not resolved.
    handler_note: str = ""

    # Filled in by handler resolution.
    module_file: str | None = None  # the handler's file, when it exists
    function_name: str | None = None
    not_found: str | None = None  # why the handler names nothing (LAM001)
    target: tuple[ModuleModel, FunctionInfo] | None = None

    def note_environment(self, variables: dict[str, Any]) -> None:
        """Learn from the function's environment variables (literal values) what runs it."""
        if variables.get(facts.EXEC_WRAPPER_VARIABLE) == facts.WEB_ADAPTER_WRAPPER:
            self.handler_note = (f"the Lambda Web Adapter runs the code ({facts.EXEC_WRAPPER_VARIABLE}="
                                 f"{facts.WEB_ADAPTER_WRAPPER}): the handler names no Python function")

    def reset(self) -> None:
        """Forget the handler resolution (the fix loop resolves again against new code)."""
        self.module_file = self.function_name = self.not_found = None
        self.target = None

    @property
    def label(self) -> str:
        return f"`{self.name}`"

    @functools.cached_property
    def key(self) -> str:
        """Identifies the function among all templates of a run (units of a run say by
        it which functions they report). Worked out once: every unit of a run asks it of
        every function of every template."""
        return f"{self.template.rel_path}#{self.name}@{self.where.line}"

    @property
    def is_python(self) -> bool:
        if self.python_implied:
            return True
        value = self.runtime.value if self.runtime is not None else None
        return isinstance(value, str) and value.startswith("python")

    @property
    def timeout_seconds(self) -> float | None:
        """The configured timeout, the default when none is set, None when it is computed."""
        if self.timeout is None:
            return float(self.default_timeout)
        return self.timeout.value if isinstance(self.timeout.value, (int, float)) else None

    @property
    def memory_mb(self) -> int | None:
        if self.memory is None:
            return self.default_memory
        return self.memory.value if isinstance(self.memory.value, int) else None

    @property
    def inline_path(self) -> str:
        """The relative path the inline code is checked under: the template's path and
        the function's name, never a file of the tree (`template.yaml#Resize.py`; the
        `#` keeps its module name from matching any `import`)."""
        return f"{self.template.rel_path}#{self.name}.py"

    def source_label(self) -> str:
        """How `lambdalint handlers` and LAM104 name where the handler comes from."""
        return f"{self.template.rel_path} ({self.name})"


@dataclass(frozen=True)
class TemplateHandlerSpec(HandlerSpec):
    """A handler named by a template: matches exactly one file, by its path.
    ``events`` are the sources the template declares for the function."""

    deploys = True

    def matches(self, model: ModuleModel) -> bool:
        return model.rel_path == self.module

    def matches_file(self, rel_path: str, module_name: str) -> bool:
        return rel_path == self.module


@dataclass
class TemplateFinding:
    """What a deployment rule reports: a message at a place in a template.

    A `# noqa` comment on the reported line or on any line in ``also`` (the
    function's own line, for settings inherited from `Globals`) suppresses it.
    """

    where: Where
    message: str
    also: tuple[Where, ...] = ()


def inline_places(functions: Iterable[TemplateFunction], message: str) -> str:
    """A message with the places it names in inline code (`template.yaml#Notify.py:7`,
    as rules name a module's lines) replaced by the template's (`template.yaml:16`)."""
    if ".py:" not in message or "#" not in message:
        return message
    for function in functions:
        inline = function.inline
        if inline is not None and function.inline_path + ":" in message:
            message = re.sub(re.escape(function.inline_path) + r":(\d+)",
                             lambda m: f"{function.template.rel_path}:{inline.place(int(m.group(1)), 1)[0]}",
                             message)
    return message


def join(base: str, *parts: str) -> str:
    """A path relative to the working directory, spelled the way checked files are
    (`SourceFile.rel_path`), from a base folder and relative parts ('' is the working
    directory): `../src` seen from `project/src` is ``''``."""
    path = relative(Path(posixpath.join(base or ".", *parts)))
    return "" if path == "." else path
