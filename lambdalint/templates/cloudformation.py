"""SAM and CloudFormation: `AWS::Serverless::Function`, `AWS::Lambda::Function`,
`Globals.Function`, SAM `Events` and `AWS::Lambda::EventSourceMapping` resources."""

from __future__ import annotations

from typing import Any

from lambdalint.catalog import templates as facts
from lambdalint.templates.loader import Mapping, Sequence, literal_block_lines
from lambdalint.templates.model import (
    BATCH_KINDS,
    EVENTBRIDGE,
    FUNCTION_URL,
    S3,
    SCHEDULE,
    SNS,
    EventSource,
    InlineCode,
    LayerRef,
    Setting,
    Template,
    TemplateFunction,
    join,
)


def is_cloudformation(data: Any) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("Resources"), Mapping)


def read(template: Template, data: Mapping) -> list[TemplateFunction]:
    resources: Mapping = data["Resources"]
    parameters = data.get("Parameters")
    parameters = parameters if isinstance(parameters, Mapping) else Mapping()
    globals_section = data.get("Globals")
    global_function = globals_section.get("Function") if isinstance(globals_section, Mapping) else None
    global_function = global_function if isinstance(global_function, Mapping) else Mapping()
    reader = _Reader(template, resources, parameters, global_function)
    functions: dict[str, TemplateFunction] = {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or not isinstance(logical_id, str):
            continue
        kind = _text(resource.get("Type"))
        if kind == facts.SAM_FUNCTION:
            functions[logical_id] = reader.function(logical_id, resource, sam=True)
        elif kind == facts.CFN_FUNCTION:
            functions[logical_id] = reader.function(logical_id, resource, sam=False)
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        kind = _text(resource.get("Type"))
        if kind == facts.CFN_EVENT_SOURCE_MAPPING:
            reader.mapping(str(logical_id), resource, functions)
        elif kind in _INVOKER_READERS:
            getattr(reader, _INVOKER_READERS[kind])(str(logical_id), resource, functions)
    return list(functions.values())


# Resources that say who invokes a function, and the reader method for each.
_INVOKER_READERS = {
    "AWS::Lambda::Permission": "permission",
    "AWS::Lambda::Url": "function_url",
    "AWS::S3::Bucket": "bucket_notifications",
    "AWS::Events::Rule": "rule_targets",
    "AWS::SNS::Subscription": "subscription",
}


class _Reader:
    def __init__(self, template: Template, resources: Mapping, parameters: Mapping, globals_: Mapping) -> None:
        self.template = template
        self.resources = resources
        self.parameters = parameters
        self.globals = globals_

    def setting(self, props: Mapping, key: str, inherit: bool) -> Setting | None:
        if key in props:
            owner, origin = props, ""
        elif inherit and key in self.globals:
            owner, origin = self.globals, "Globals"
        else:
            return None
        value, via = self.value(owner[key])
        origin = ", ".join(o for o in (origin, via) if o)
        return Setting(value, self.template.at(owner.mark_of(key)), origin)

    def value(self, raw: Any) -> tuple[Any, str]:
        """A literal, or the default of a parameter it `!Ref`s; None when computed."""
        if isinstance(raw, Mapping):
            name = raw.get("Ref") if len(raw) == 1 else None
            parameter = self.parameters.get(name) if isinstance(name, str) else None
            if isinstance(parameter, Mapping) and "Default" in parameter:
                default = parameter["Default"]
                if not isinstance(default, (Mapping, Sequence)):
                    return default, f"the default of parameter {name}"
            return None, ""
        if isinstance(raw, Sequence):
            return None, ""
        return raw, ""

    def function(self, logical_id: str, resource: Mapping, sam: bool) -> TemplateFunction:
        props = resource.get("Properties")
        props = props if isinstance(props, Mapping) else Mapping()
        at = self.template.at
        function = TemplateFunction(
            template=self.template,
            name=logical_id,
            where=at(self.resources.mark_of(logical_id)),
            handler=self.setting(props, "Handler", sam),
            runtime=self.setting(props, "Runtime", sam),
            timeout=_number(self.setting(props, "Timeout", sam)),
            memory=_integer(self.setting(props, "MemorySize", sam)),
            default_timeout=facts.DEFAULT_TIMEOUT,
            default_memory=facts.DEFAULT_MEMORY,
        )
        package_type = self.setting(props, "PackageType", sam)
        if package_type is not None and package_type.value == "Image":
            function.code_note = "a container image"
        elif sam:
            self._sam_code(function, resource, props)
        else:
            self._cfn_code(function, props)
        if sam:
            events = props.get("Events")
            if isinstance(events, Mapping):
                for name, event in events.items():
                    source = self._sam_event(str(name), event, events)
                    if source is not None:
                        function.events.append(source)
            if "FunctionUrlConfig" in props:
                function.events.append(EventSource(FUNCTION_URL, "`FunctionUrlConfig`",
                                                   at(props.mark_of("FunctionUrlConfig"))))
        self._layers(function, props, sam)
        variables: dict[str, Any] = {}
        for owner in [self.globals, props] if sam else [props]:
            environment = owner.get("Environment")
            found = environment.get("Variables") if isinstance(environment, Mapping) else None
            variables.update(found if isinstance(found, Mapping) else {})
        function.note_environment(variables)
        return function

    def _layers(self, function: TemplateFunction, props: Mapping, sam: bool) -> None:
        """`Layers: [!Ref SharedLayer, arn:aws:lambda:...:layer:x:3]`, Globals included
        (SAM puts the function's own layers after the global ones)."""
        owners = [self.globals, props] if sam else [props]
        for owner in owners:
            layers = owner.get("Layers")
            if not isinstance(layers, Sequence):
                continue
            for index, item in enumerate(layers):
                where = self.template.at(layers.mark_of(index))
                logical_id = _referenced_resource(item)
                resource = self.resources.get(logical_id) if logical_id else None
                if isinstance(resource, Mapping):
                    function.layers.append(LayerRef(logical_id or "", where, self._layer_dir(resource)))
                elif isinstance(item, str):
                    function.layers.append(LayerRef(item, where))

    def _layer_dir(self, resource: Mapping) -> str | None:
        """The folder of a layer resource in the tree (SAM `ContentUri`, a local
        `Content` path that `aws cloudformation package` uploads), else None."""
        props = resource.get("Properties")
        if not isinstance(props, Mapping):
            return None
        kind = _text(resource.get("Type"))
        content = props.get("ContentUri") if kind == facts.SAM_LAYER else props.get("Content")
        if not isinstance(content, str) or content.startswith(facts.REMOTE_CODE_PREFIXES) \
                or content.endswith(facts.ARCHIVE_SUFFIXES):
            return None
        return join(self.template.base_dir, content)

    def _sam_code(self, function: TemplateFunction, resource: Mapping, props: Mapping) -> None:
        if "InlineCode" in props:
            self._inline(function, props, "InlineCode")
            return
        metadata = resource.get("Metadata")
        build = metadata.get("BuildMethod") if isinstance(metadata, Mapping) else None
        if isinstance(build, str) and build.lower() in facts.BUILD_METHODS_THAT_GENERATE_CODE:
            function.code_note = f"code built by `BuildMethod: {build}`"
            return
        code = self.setting(props, "CodeUri", True)
        if code is None:
            # `sam build` packages the template's folder when CodeUri is left out.
            function.code_dir = self.template.base_dir
            function.code_where = function.where
            return
        self._local_code(function, code)

    def _cfn_code(self, function: TemplateFunction, props: Mapping) -> None:
        code = self.setting(props, "Code", False)
        if code is None:
            function.code_note = "no Code"
            return
        if isinstance(props.get("Code"), Mapping):
            if "ZipFile" in props["Code"]:
                self._inline(function, props["Code"], "ZipFile")
            else:
                function.code_note = "code in S3 or an image"
            return
        self._local_code(function, code)

    def _inline(self, function: TemplateFunction, owner: Mapping, key: str) -> None:
        """SAM `InlineCode` or CloudFormation `Code.ZipFile`: the code as text (a string,
        `!Sub` of one, or `!Join` of strings), with its lines in the template when it is
        a YAML literal block (`|`)."""
        function.code_note = "inline code"
        value = owner[key]
        marks = [owner.mark_of(key)]
        if isinstance(value, Mapping) and len(value) == 1 and isinstance(value.get("Fn::Sub"), str):
            marks.append(value.mark_of("Fn::Sub"))  # `Fn::Sub: |` on a line of its own
            value = value["Fn::Sub"]
        if isinstance(value, str):
            lines = next(filter(None, (literal_block_lines(self.template.text, m, value) for m in marks)), None)
            function.inline = InlineCode(value, self.template.at(owner.mark_of(key)), lines)
            return
        joined = _joined(value)
        if joined is None:
            function.code_note = "inline code the template computes"
            return
        function.inline = InlineCode(joined, self.template.at(owner.mark_of(key)))

    def _local_code(self, function: TemplateFunction, code: Setting) -> None:
        value = code.value
        if not isinstance(value, str):
            function.code_note = "code stored in S3 or a computed code location"
            return
        if value.startswith(facts.REMOTE_CODE_PREFIXES) or value.endswith(facts.ARCHIVE_SUFFIXES):
            function.code_note = "a packaged artifact"
            return
        function.code_dir = join(self.template.base_dir, value)
        function.code_where = code.where

    def _sam_event(self, name: str, event: Any, events: Mapping) -> EventSource | None:
        if not isinstance(event, Mapping):
            return None
        kind = facts.SAM_EVENT_KINDS.get(_text(event.get("Type")) or "")
        if kind is None:
            return None
        props = event.get("Properties")
        props = props if isinstance(props, Mapping) else Mapping()
        source = EventSource(kind, f"{kind} event `{name}`", self.template.at(events.mark_of(name)))
        if kind in BATCH_KINDS:
            source.partial_batch = reports_failures(props.get("FunctionResponseTypes"))
            source.batch_size = _batch_size(props.get("BatchSize"))
        elif kind == S3:
            source.prefix, source.suffix = key_filter(props.get("Filter"))
        return source

    # -- resources that invoke a function -------------------------------------------------

    def _declare(self, functions: dict[str, TemplateFunction], target: Any, source: EventSource) -> None:
        logical_id = _referenced_resource(target)
        if logical_id in functions:
            functions[logical_id].events.append(source)

    def permission(self, logical_id: str, resource: Mapping, functions: dict[str, TemplateFunction]) -> None:
        props = resource.get("Properties")
        principal = props.get("Principal") if isinstance(props, Mapping) else None
        kind = facts.PERMISSION_PRINCIPAL_KINDS.get(principal) if isinstance(principal, str) else None
        if kind is not None:
            self._declare(functions, props.get("FunctionName"), EventSource(
                kind, f"permission `{logical_id}` ({principal})", self.template.at(self.resources.mark_of(logical_id))))

    def function_url(self, logical_id: str, resource: Mapping, functions: dict[str, TemplateFunction]) -> None:
        props = resource.get("Properties")
        if isinstance(props, Mapping):
            self._declare(functions, props.get("TargetFunctionArn"), EventSource(
                FUNCTION_URL, f"function URL `{logical_id}`", self.template.at(self.resources.mark_of(logical_id))))

    def bucket_notifications(self, logical_id: str, resource: Mapping,
                             functions: dict[str, TemplateFunction]) -> None:
        props = resource.get("Properties")
        config = props.get("NotificationConfiguration") if isinstance(props, Mapping) else None
        entries = config.get("LambdaConfigurations") if isinstance(config, Mapping) else None
        if not isinstance(entries, Sequence):
            return
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                continue
            source = EventSource(S3, f"S3 notification of bucket `{logical_id}`",
                                 self.template.at(entries.mark_of(index)))
            source.prefix, source.suffix = key_filter(entry.get("Filter"))
            self._declare(functions, entry.get("Function"), source)

    def rule_targets(self, logical_id: str, resource: Mapping, functions: dict[str, TemplateFunction]) -> None:
        props = resource.get("Properties")
        targets = props.get("Targets") if isinstance(props, Mapping) else None
        if not isinstance(targets, Sequence):
            return
        kind = SCHEDULE if "ScheduleExpression" in props else EVENTBRIDGE
        for index, target in enumerate(targets):
            if isinstance(target, Mapping):
                self._declare(functions, target.get("Arn"), EventSource(
                    kind, f"{kind} rule `{logical_id}`", self.template.at(targets.mark_of(index))))

    def subscription(self, logical_id: str, resource: Mapping, functions: dict[str, TemplateFunction]) -> None:
        props = resource.get("Properties")
        if isinstance(props, Mapping) and props.get("Protocol") == "lambda":
            self._declare(functions, props.get("Endpoint"), EventSource(
                SNS, f"SNS subscription `{logical_id}`", self.template.at(self.resources.mark_of(logical_id))))

    def mapping(self, logical_id: str, resource: Mapping, functions: dict[str, TemplateFunction]) -> None:
        props = resource.get("Properties")
        if not isinstance(props, Mapping):
            return
        name = props.get("FunctionName")
        target = _referenced_resource(name)
        if target is None and isinstance(name, str):
            # A literal name: the function whose `FunctionName` property it is.
            target = next((f.name for f in functions.values() if _function_name(self.resources, f.name) == name), None)
        if target not in functions:
            return
        kind = self._source_kind(props.get("EventSourceArn"))
        if kind is None:
            return
        functions[target].events.append(EventSource(
            kind, f"{kind} event source mapping `{logical_id}`", self.template.at(self.resources.mark_of(logical_id)),
            reports_failures(props.get("FunctionResponseTypes")) if kind in BATCH_KINDS else None,
            batch_size=_batch_size(props.get("BatchSize")) if kind in BATCH_KINDS else None,
        ))

    def _source_kind(self, arn: Any) -> str | None:
        if isinstance(arn, Mapping) and "Fn::GetAtt" in arn:
            parts = arn["Fn::GetAtt"]
            if isinstance(parts, Sequence) and parts and isinstance(parts[0], str):
                resource = self.resources.get(parts[0])
                if isinstance(resource, Mapping):
                    return facts.RESOURCE_EVENT_KINDS.get(_text(resource.get("Type")) or "")
            return None
        text = arn.get("Fn::Sub") if isinstance(arn, Mapping) else arn
        if isinstance(text, Sequence) and text:
            text = text[0]
        if isinstance(text, str):
            for marker, kind in facts.ARN_EVENT_KINDS:
                if marker in text:
                    return kind
        return None


def _joined(value: Any) -> str | None:
    """The text of `Fn::Join: [delimiter, [strings...]]` (also inside `Fn::Sub`), or None."""
    if isinstance(value, Mapping) and len(value) == 1 and "Fn::Sub" in value:
        inner = value["Fn::Sub"]
        value = inner[0] if isinstance(inner, Sequence) and inner else inner
        if isinstance(value, str):
            return value
    parts = value.get("Fn::Join") if isinstance(value, Mapping) and len(value) == 1 else None
    if not isinstance(parts, Sequence) or len(parts) != 2 or not isinstance(parts[0], str) \
            or not isinstance(parts[1], Sequence) or not all(isinstance(p, str) for p in parts[1]):
        return None
    return parts[0].join(parts[1])


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _function_name(resources: Mapping, logical_id: str) -> Any:
    resource = resources.get(logical_id)
    props = resource.get("Properties") if isinstance(resource, Mapping) else None
    return props.get("FunctionName") if isinstance(props, Mapping) else None


def _referenced_resource(value: Any) -> str | None:
    """`!Ref Fn`, `!GetAtt Fn.Arn`, `!Sub ${Fn}`: the logical id of the function."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    if isinstance(value.get("Ref"), str):
        return value["Ref"]
    parts = value.get("Fn::GetAtt")
    if isinstance(parts, Sequence) and parts and isinstance(parts[0], str):
        return parts[0]
    text = value.get("Fn::Sub")
    if isinstance(text, str) and text.startswith("${") and text.endswith("}") and text.count("${") == 1:
        return text[2:-1].split(".")[0]
    return None


def key_filter(value: Any) -> tuple[str | None, str | None]:
    """(prefix, suffix) of an S3 notification `Filter: {S3Key: {Rules: [{Name, Value}]}}`;
    None for a part that is absent or computed."""
    key = value.get("S3Key") if isinstance(value, Mapping) else None
    rules = key.get("Rules") if isinstance(key, Mapping) else None
    found: dict[str, str | None] = {}
    for rule in rules if isinstance(rules, Sequence) else ():
        if isinstance(rule, Mapping) and isinstance(rule.get("Name"), str):
            text = rule.get("Value")
            found[rule["Name"].lower()] = text if isinstance(text, str) else None
    return found.get(facts.S3_FILTER_PREFIX), found.get(facts.S3_FILTER_SUFFIX)


def reports_failures(value: Any) -> bool | None:
    if value is None:
        return False
    if isinstance(value, Sequence):
        if any(isinstance(item, Mapping) for item in value):
            return None if facts.REPORT_BATCH_ITEM_FAILURES not in value else True
        return facts.REPORT_BATCH_ITEM_FAILURES in value
    if isinstance(value, str):
        return value == facts.REPORT_BATCH_ITEM_FAILURES
    return None  # computed (`!If`, `!Ref`)


def _number(setting: Setting | None) -> Setting | None:
    if setting is not None and setting.value is not None:
        setting.value = as_number(setting.value)
    return setting


def _integer(setting: Setting | None) -> Setting | None:
    setting = _number(setting)
    if setting is not None and isinstance(setting.value, float):
        setting.value = int(setting.value) if setting.value.is_integer() else None
    return setting


def as_number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None


def _batch_size(value: Any) -> int | None:
    """A literal `BatchSize` (a number, or a string of digits as YAML may give it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
