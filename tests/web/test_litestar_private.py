"""One test per seam of api.web.litestar_private, each against a small real Litestar app:
an upgrade of Litestar that breaks a seam fails here, by name, rather than somewhere in
the behaviour it carries."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import HeaderParameter, JSONBody, QueryParameter
from litestar.testing import TestClient
from litestar.types import Receive, Scope, Send
from litestar.utils.signature import ParsedSignature

from api.web.litestar_private import (
    HandlerParameter,
    asgi_handler,
    built_openapi,
    cache_signatures,
    handler_parameters,
    missing_parameter,
    restore_openapi,
    set_asgi_handler,
    validation_items,
)


class Body(msgspec.Struct):
    count: int


@get("/items", sync_to_thread=False)
def items(
    limit: Annotated[int, QueryParameter()],
    from_version: Annotated[int | None, QueryParameter(name="from")] = None,
    token: Annotated[str | None, HeaderParameter(name="X-Token")] = None,
) -> dict[str, Any]:
    return {"limit": limit, "from": from_version}


@get("/needs-header", sync_to_thread=False)
def needs_header(token: Annotated[str, HeaderParameter(name="X-Token")]) -> str:
    return token


@post("/body", sync_to_thread=False)
def body(data: JSONBody[Body]) -> int:
    return data.count


def _app(seen: list[HTTPException]) -> Litestar:
    def keep(request: Request[Any, Any, Any], exc: HTTPException) -> Response[str]:
        seen.append(exc)
        return Response("refused", status_code=exc.status_code)

    return Litestar([items, needs_header, body], exception_handlers={HTTPException: keep})


def test_the_app_answers_with_the_handler_set_in_its_place() -> None:
    app = _app([])
    own = asgi_handler(app)
    called: list[str] = []

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            called.append(scope["path"])
        await own(scope, receive, send)

    set_asgi_handler(app, outer)
    assert asgi_handler(app) is outer
    with TestClient(app) as client:
        assert client.get("/items?limit=2").json() == {"limit": 2, "from": None}
    assert called == ["/items"]


def test_a_contract_built_by_one_app_is_what_another_app_serves() -> None:
    first = _app([])
    with TestClient(first) as client:
        served = client.get("/schema/openapi.json").json()
    built = built_openapi(first)
    assert built[1]["paths"].keys() == served["paths"].keys()
    assert built[0].paths is not None and "/items" in built[0].paths

    marked = {**built[1], "info": {**built[1]["info"], "title": "built once"}}
    second = _app([])
    restore_openapi(second, (built[0], marked))
    with TestClient(second) as client:
        assert client.get("/schema/openapi.json").json()["info"]["title"] == "built once"


def test_a_missing_parameter_is_named_from_litestars_message() -> None:
    seen: list[HTTPException] = []
    with TestClient(_app(seen)) as client:
        assert client.get("/items").status_code == 400
        assert client.get("/needs-header").status_code == 400
        assert client.get("/items?limit=x").status_code == 400
    assert [missing_parameter(exc) for exc in seen] == ["limit", "X-Token", None]


def test_validation_errors_carry_key_message_and_source() -> None:
    seen: list[HTTPException] = []
    with TestClient(_app(seen)) as client:
        assert client.get("/items?limit=x").status_code == 400
        assert client.post("/body", json={"count": "many"}).status_code == 400
    query, data = (validation_items(exc) for exc in seen)
    assert [(i["key"], i["source"]) for i in query] == [("limit", "query")]
    assert [i["source"] for i in data] == ["body"]
    assert all(isinstance(i["message"], str) and i["message"] for i in query + data)
    assert validation_items(HTTPException(status_code=400, detail="plain")) == []


def _handler(app: Litestar, name: str) -> Any:
    return next(
        handler
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if getattr(handler, "handler_name", "") == name
    )


def test_a_handlers_parameters_come_with_their_wire_names_and_sources() -> None:
    app = _app([])
    found = handler_parameters(_handler(app, "items"))
    assert found == {
        "limit": HandlerParameter(int, "limit", "query"),
        "from_version": HandlerParameter(int | None, "from", "query"),
        "token": HandlerParameter(str | None, "X-Token", "header"),
    }
    assert handler_parameters(_handler(app, "body"))["data"] == HandlerParameter(
        Body, "data", "body"
    )


def _count_handler(kind: type) -> Any:
    """A handler made in a function: one code object and annotation, `Kind` a different
    type each time."""

    @get("/count", sync_to_thread=False, signature_namespace={"Kind": kind})
    def count(n: Annotated[Kind, QueryParameter()]) -> str:  # type: ignore[name-defined]  # noqa: F821
        return repr(n)

    return count


def test_apps_of_the_same_handlers_share_what_litestar_derived_from_their_signatures() -> None:
    cache_signatures()
    cache_signatures()  # installing twice changes nothing
    first, second = _app([]), _app([])
    handlers = [app.route_handler_method_map["/items"]["GET"] for app in (first, second)]
    assert handlers[0] is not handlers[1]
    assert handlers[0].parsed_fn_signature is handlers[1].parsed_fn_signature
    assert handlers[0].signature_model is handlers[1].signature_model
    parsed = handlers[0].parsed_fn_signature
    assert isinstance(parsed, ParsedSignature)
    assert set(parsed.parameters) == {"limit", "from_version", "token"}
    for app in (first, second):
        with TestClient(app) as client:
            assert client.get("/items?limit=2&from=1").json() == {"limit": 2, "from": 1}
            assert client.get("/items?limit=two").status_code == 400


def test_a_shared_signature_is_only_for_the_same_annotations() -> None:
    cache_signatures()
    numbers, words = Litestar([_count_handler(int)]), Litestar([_count_handler(str)])
    parsed = [
        app.route_handler_method_map["/count"]["GET"].parsed_fn_signature
        for app in (numbers, words)
    ]
    assert parsed[0] is not parsed[1]
    with TestClient(numbers) as client:
        assert client.get("/count?n=7").text == "7"
        assert client.get("/count?n=seven").status_code == 400
    with TestClient(words) as client:
        assert client.get("/count?n=07").text == "'07'"
