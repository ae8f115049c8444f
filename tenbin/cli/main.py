"""The ``tenbin`` command: thin wrappers over the service functions, one module per slice."""

from __future__ import annotations

import sys
import traceback

import typer
from click.exceptions import ClickException, Exit
from sqlalchemy.exc import SQLAlchemyError
from typer.exceptions import TyperException

from tenbin.cli import balance as balance_cli
from tenbin.cli import db as db_cli
from tenbin.cli import demo as demo_cli
from tenbin.cli import engagement as engagement_cli
from tenbin.cli import icp as icp_cli
from tenbin.cli import imports as imports_cli
from tenbin.cli import metrics as metrics_cli
from tenbin.cli import plan as plan_cli
from tenbin.cli import route as route_cli
from tenbin.cli import score as score_cli
from tenbin.cli import serve as serve_cli
from tenbin.cli import users as users_cli
from tenbin.cli import webhooks as webhooks_cli
from tenbin.cli.common import State, err
from tenbin.errors import INTERNAL, TenbinError
from tenbin.settings import default_lang, load_settings

app = typer.Typer(
    name="tenbin",
    help="tenbin (天秤): Balance Based Marketing for Japanese B2B teams. BBM is a method proposed by 株式会社ALUHA.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cli.app, name="db")
app.add_typer(users_cli.app, name="user")
app.add_typer(icp_cli.app, name="icp")
app.command("balance")(balance_cli.balance_cmd)
app.add_typer(metrics_cli.app, name="metrics")
app.add_typer(score_cli.app, name="score")
app.command("plan")(plan_cli.plan_cmd)
app.add_typer(route_cli.app, name="route")
serve_cli.register(app)
imports_cli.register(app)
demo_cli.register(app)
engagement_cli.register(app)
webhooks_cli.register(app)


@app.callback()
def _root(
    ctx: typer.Context,
    database: str | None = typer.Option(
        None,
        "--database",
        envvar="TENBIN_DATABASE_URL",
        help="SQLAlchemy URL (default sqlite:///./tenbin.db)",
    ),
    lang: str | None = typer.Option(None, "--lang", help="ja | en (default: from the locale)"),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors"),
) -> None:
    settings = load_settings(database_url=database, lang=lang)
    ctx.obj = State(settings=settings, lang=default_lang(lang or settings.lang), debug=debug)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the command; errors are one line with a stable code and a non-zero exit."""
    args = _globals_first(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    lang = _lang_from(args)
    try:
        app(args=args, prog_name="tenbin", standalone_mode=False)
    except TenbinError as exc:
        _fail(f"{exc.code}: {exc.message(lang)}{_place(exc)}", debug)
        return 2
    except Exit as exc:
        return int(exc.exit_code or 0)
    except ClickException as exc:
        exc.show()
        return exc.exit_code
    except TyperException as exc:  # typer 0.29 vendors click: its bad-option errors are not click's
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(exc.format_message(), markup=False)
        return exc.exit_code
    except (KeyboardInterrupt, EOFError):
        err.print("中断しました / interrupted")
        return 130
    except SQLAlchemyError as exc:
        _fail(f"DB_ERROR: {str(exc.orig if hasattr(exc, 'orig') else exc).splitlines()[0]}", debug)
        return 2
    except Exception as exc:
        _fail(f"INTERNAL: {INTERNAL.render(lang, {'detail': repr(exc)})}", debug)
        return 1
    return 0


GLOBAL_VALUED = ("--lang", "--database")


def _globals_first(args: list[str]) -> list[str]:
    """Accept the global options anywhere (``tenbin import … --lang en``) by moving them first."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in GLOBAL_VALUED and i + 1 < len(args):
            front += [a, args[i + 1]]
            i += 2
            continue
        if a == "--debug" or a.split("=", 1)[0] in GLOBAL_VALUED:
            front.append(a)
        else:
            rest.append(a)
        i += 1
    return front + rest


def _place(exc: TenbinError) -> str:
    p = exc.place.as_dict()
    return f" ({', '.join(f'{k}={v}' for k, v in p.items())})" if p else ""


def _lang_from(args: list[str]) -> str:
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            return default_lang(args[i + 1])
        if a.startswith("--lang="):
            return default_lang(a.split("=", 1)[1])
    return default_lang(None)


def _fail(line: str, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    err.print(line, markup=False, soft_wrap=True)


if __name__ == "__main__":
    raise SystemExit(main())
