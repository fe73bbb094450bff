"""serverless.yml (Serverless Framework): `functions.*` with `provider` defaults."""

from __future__ import annotations

from typing import Any

from lambdalint.catalog import templates as facts
from lambdalint.templates.cloudformation import as_number, reports_failures
from lambdalint.templates.loader import Mapping, Sequence
from lambdalint.templates.model import (
    FUNCTION_URL,
    S3,
    EventSource,
    LayerRef,
    Setting,
    Template,
    TemplateFunction,
    join,
)


def is_serverless(data: Any) -> bool:
    return isinstance(data, Mapping) and "service" in data and isinstance(data.get("functions"), (Mapping, Sequence))


def _variable(value: Any) -> bool:
    """`${self:custom.x}`, `${env:X}`: resolved by the framework at deploy time."""
    return isinstance(value, str) and "${" in value


def read(template: Template, data: Mapping) -> list[TemplateFunction]:
    provider = data.get("provider")
    provider = provider if isinstance(provider, Mapping) else Mapping()
    sections = data["functions"]
    # `functions:` is a map, or a list of maps (one per included file).
    groups = [sections] if isinstance(sections, Mapping) else [s for s in sections if isinstance(s, Mapping)]
    package = provider.get("package")
    provider_artifact = isinstance(package, Mapping) and "artifact" in package
    declared_layers = data.get("layers")
    declared_layers = declared_layers if isinstance(declared_layers, Mapping) else Mapping()
    functions = []
    for group in groups:
        for name, spec in group.items():
            if isinstance(spec, Mapping):
                function = _function(template, str(name), spec, group, provider, provider_artifact)
                _layers(template, function, spec, provider, declared_layers)
                functions.append(function)
    return functions


def _setting(template: Template, spec: Mapping, provider: Mapping, key: str) -> Setting | None:
    for owner, origin in ((spec, ""), (provider, "provider")):
        if key in owner:
            value = owner[key]
            if _variable(value) or isinstance(value, (Mapping, Sequence)):
                value = None
            return Setting(value, template.at(owner.mark_of(key)), origin)
    return None


def _function(template: Template, name: str, spec: Mapping, group: Mapping, provider: Mapping,
              provider_artifact: bool) -> TemplateFunction:
    timeout = _setting(template, spec, provider, "timeout")
    if timeout is not None and timeout.value is not None:
        timeout.value = as_number(timeout.value)
    memory = _setting(template, spec, provider, "memorySize")
    if memory is not None and memory.value is not None:
        number = as_number(memory.value)
        memory.value = number if isinstance(number, int) else None
    function = TemplateFunction(
        template=template,
        name=name,
        where=template.at(group.mark_of(name)),
        handler=_setting(template, spec, Mapping(), "handler"),
        runtime=_setting(template, spec, provider, "runtime"),
        timeout=timeout,
        memory=memory,
        default_timeout=facts.SERVERLESS_DEFAULT_TIMEOUT,
        default_memory=facts.SERVERLESS_DEFAULT_MEMORY,
    )
    package = spec.get("package")
    if "image" in spec:
        function.code_note = "a container image"
    elif provider_artifact or (isinstance(package, Mapping) and "artifact" in package):
        function.code_note = "a packaged artifact"
    else:
        # Handlers are paths from the service folder (`src/handlers/orders.handle`).
        function.code_dir = template.base_dir
        function.code_where = function.handler.where if function.handler else function.where
    if spec.get("url"):
        function.events.append(EventSource(FUNCTION_URL, "`url`", template.at(spec.mark_of("url"))))
    events = spec.get("events")
    if isinstance(events, Sequence):
        for index, event in enumerate(events):
            source = _event(template, event, events.mark_of(index))
            if source is not None:
                function.events.append(source)
    variables: dict[str, Any] = {}
    for owner in (provider, spec):
        environment = owner.get("environment")
        variables.update(environment if isinstance(environment, Mapping) else {})
    function.note_environment(variables)
    return function


def _event(template: Template, event: Any, mark: Any) -> EventSource | None:
    if not isinstance(event, Mapping) or len(event) != 1:
        return None
    (key, value), = event.items()
    if key == "sqs":
        kind = facts.SAM_EVENT_KINDS["SQS"]
    elif key == "stream":
        kind = _stream_kind(value)
        if kind is None:
            return None
    elif key in facts.SERVERLESS_EVENT_KINDS:
        source = EventSource(facts.SERVERLESS_EVENT_KINDS[key], f"`{key}` event", template.at(mark))
        if source.kind == S3 and isinstance(value, Mapping):
            source.prefix, source.suffix = _s3_rules(value.get("rules"))
        return source
    else:
        return None
    size = None
    if isinstance(value, Mapping):
        response = value.get(facts.SERVERLESS_RESPONSE_TYPE_KEY)
        partial = None if _variable(response) else reports_failures(response)
        batch = value.get("batchSize")
        size = batch if isinstance(batch, int) and not isinstance(batch, bool) else None
    else:
        partial = False
    label = "`sqs` event" if key == "sqs" else f"`stream` event ({kind})"
    return EventSource(kind, label, template.at(mark), partial, batch_size=size)


def _s3_rules(rules: Any) -> tuple[str | None, str | None]:
    """`rules: [{prefix: uploads/}, {suffix: .jpg}]` of an `s3` event."""
    found: dict[str, str | None] = {}
    for rule in rules if isinstance(rules, Sequence) else ():
        if isinstance(rule, Mapping):
            for name, text in rule.items():
                if isinstance(name, str):
                    found[name.lower()] = text if isinstance(text, str) and not _variable(text) else None
    return found.get(facts.S3_FILTER_PREFIX), found.get(facts.S3_FILTER_SUFFIX)


def _layers(template: Template, function: TemplateFunction, spec: Mapping, provider: Mapping,
            declared: Mapping) -> None:
    """`layers:` of the function (else the provider's): `{Ref: XLambdaLayer}` names a
    layer of the service's `layers:` section (its `path` is the folder), a string an ARN."""
    owner = spec if "layers" in spec else provider
    layers = owner.get("layers")
    if not isinstance(layers, Sequence):
        return
    for index, item in enumerate(layers):
        where = template.at(layers.mark_of(index))
        ref = item.get("Ref") if isinstance(item, Mapping) else None
        if isinstance(ref, str):
            # The framework names a layer `foo-bar` in the stack as `FooBarLambdaLayer`.
            key = next((name for name in declared if isinstance(name, str) and _layer_logical_id(name) == ref), None)
            layer = declared.get(key) if key is not None else None
            path = layer.get("path") if isinstance(layer, Mapping) else None
            content = join(template.base_dir, path) if isinstance(path, str) and not _variable(path) else None
            function.layers.append(LayerRef(key or ref, where, content))
        elif isinstance(item, str) and not _variable(item):
            function.layers.append(LayerRef(item, where))


def _layer_logical_id(name: str) -> str:
    """The framework's logical id of a layer: `my-deps` is `MyDashdepsLambdaLayer`."""
    normal = name.replace("-", "Dash").replace("_", "Underscore")
    return normal[:1].upper() + normal[1:] + "LambdaLayer"


def _stream_kind(value: Any) -> str | None:
    if isinstance(value, Mapping):
        declared = value.get("type")
        if isinstance(declared, str) and declared.lower() in facts.SERVERLESS_STREAM_TYPES:
            return facts.SERVERLESS_STREAM_TYPES[declared.lower()]
        arn = value.get("arn")
        if isinstance(arn, Mapping) and "Fn::GetAtt" in arn:
            parts = arn["Fn::GetAtt"]
            if isinstance(parts, Sequence) and len(parts) == 2 and parts[1] == "StreamArn":
                return facts.SAM_EVENT_KINDS["DynamoDB"]
            return None
        value = arn
    if isinstance(value, str):
        for marker, kind in facts.ARN_EVENT_KINDS:
            if marker in value and kind != "SQS":
                return kind
    return None
