"""``${...}`` placeholders in a template: the deploy context plus ``${env:NAME}``, filled by ``resolve``."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass

from deploy.template import USER_DATA_MAX_BYTES, Template
from deploy.template_fields import TemplateError

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_:]*)\}")


@dataclass(frozen=True)
class Placeholders:
    """What ``${...}`` may name: the deploy context, plus ``env:NAME`` from ``environ``."""

    values: tuple[tuple[str, str], ...]
    environ: tuple[tuple[str, str], ...] = ()

    def fill(self, text: str, field: str, source: str = "") -> str:
        known, environ = dict(self.values), dict(self.environ)

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("env:"):
                variable = name[4:]
                if not environ.get(variable):
                    raise TemplateError(field, f"environment variable {variable} is not set (${{{name}}})", source)
                return environ[variable]
            if name not in known:
                raise TemplateError(field, f"unknown placeholder ${{{name}}} (known: {', '.join(sorted(known))}, "
                                           "env:NAME)", source)
            return known[name]

        return _PLACEHOLDER.sub(one, text)


def resolve(template: Template, placeholders: Placeholders) -> Template:
    """The template with every placeholder filled; user data checked against FunctionGraph's 4 KB limit."""
    src = template.source
    user_data = tuple((k, placeholders.fill(v, f"function.user_data.{k}", src)) for k, v in template.function.user_data)
    if len(json.dumps(dict(user_data)).encode()) > USER_DATA_MAX_BYTES:
        raise TemplateError("function.user_data", f"over {USER_DATA_MAX_BYTES} bytes once filled in", src)
    triggers = tuple(
        dataclasses.replace(t, project_id=placeholders.fill(t.project_id, f"triggers[{i}].project_id", src))
        if t.enabled else t for i, t in enumerate(template.triggers))
    subscriptions = tuple(
        dataclasses.replace(s, endpoint=placeholders.fill(s.endpoint, f"notifications.subscriptions[{i}].endpoint",
                                                          src))
        for i, s in enumerate(template.topic.subscriptions))
    return dataclasses.replace(template, function=dataclasses.replace(template.function, user_data=user_data),
                               triggers=triggers,
                               topic=dataclasses.replace(template.topic, subscriptions=subscriptions))


