"""``redline serve``, ``redline users`` and ``redline token``: the web app's commands."""

from __future__ import annotations

import click

from .clikit import BadInput, table
from .desk_cli import db_option, emit_json, format_option, local, open_db, store_errors
from .store import writing
from .store.accounts import (
    ROLE_ZH,
    ROLES,
    AccountError,
    add_user,
    create_token,
    disable_user,
    generate_password,
    list_users,
    revoke_tokens,
    set_password,
)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="端口。Port.")
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="店铺自己的规则包目录（可多次）。A shop's own rule-pack folder.",
)
@click.option("--workers", default=1, show_default=True, type=int, help="进程数。Processes.")
@db_option
def serve(
    host: str, port: int, rules_dirs: tuple[str, ...], workers: int, db_url: str | None
) -> None:
    """启动网页看板和接口（除 /healthz 和登录页外都需要登录）。

    Serve the dashboard and the REST API. Everything but /healthz and the login
    page needs a login (a browser session or an `Authorization: Bearer` token).
    """
    import os

    import uvicorn

    with store_errors(db_url):
        open_db(db_url)  # migrate once, before the workers start
    if db_url:
        os.environ["REDLINE_DATABASE_URL"] = db_url
    if rules_dirs:
        os.environ["REDLINE_RULES"] = os.pathsep.join(rules_dirs)
    click.echo(f"redline 看板：http://{host}:{port}/  （Ctrl+C 退出）")
    uvicorn.run(
        "redline.web.main:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )


@click.group("users")
def users_group() -> None:
    """用户与角色（admin 管理员 / supervisor 主管 / agent 客服）。Users and roles."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="角色。Role.")
@click.option("--password", help="密码（不给则生成一个并打印）。Password; generated if omitted.")
@click.option(
    "--account", "agent_account", help="客服的聊天账号（默认同用户名）。Agent's chat account."
)
@db_option
def users_add(
    name: str, role: str, password: str | None, agent_account: str | None, db_url: str | None
) -> None:
    """添加用户。Add a user."""
    generated = password is None
    password = password or generate_password()
    engine = open_db(db_url)
    with store_errors(db_url):
        try:
            with writing(engine) as s:
                user = add_user(s, name, role, password, agent_account)
        except AccountError as exc:
            raise BadInput(str(exc)) from None
    click.echo(f"已添加用户 {user.name}（{ROLE_ZH[user.role]}）")
    if generated:
        click.echo(f"初始密码：{password}")


@users_group.command("list")
@format_option
@db_option
def users_list(fmt: str, db_url: str | None) -> None:
    """列出用户。List users."""
    from .store import session

    engine = open_db(db_url)
    with store_errors(db_url), session(engine) as s:
        users = list_users(s)
    rows = [
        {
            "name": u.name,
            "role": u.role,
            "agent_account": u.agent_account,
            "created_at": u.created_at.isoformat(),
            "disabled": u.disabled_at is not None,
        }
        for u in users
    ]
    if fmt == "json":
        emit_json(rows)
        return
    click.echo(
        table(
            ["用户", "角色", "客服账号", "创建时间", "状态"],
            [
                [
                    u.name,
                    ROLE_ZH[u.role],
                    u.agent_account or "",
                    local(u.created_at),
                    "已停用" if u.disabled_at else "正常",
                ]
                for u in users
            ],
        )
    )


@users_group.command("passwd")
@click.argument("name")
@click.option("--password", help="新密码（不给则生成）。New password; generated if omitted.")
@db_option
def users_passwd(name: str, password: str | None, db_url: str | None) -> None:
    """重设密码（该用户已登录的会话全部失效）。Reset a password; ends the user's sessions."""
    generated = password is None
    password = password or generate_password()
    engine = open_db(db_url)
    with store_errors(db_url):
        try:
            with writing(engine) as s:
                set_password(s, name, password)
        except AccountError as exc:
            raise BadInput(str(exc)) from None
    click.echo(f"已重设 {name} 的密码" + (f"：{password}" if generated else ""))


@users_group.command("disable")
@click.argument("name")
@db_option
def users_disable(name: str, db_url: str | None) -> None:
    """停用用户（会话和令牌全部失效）。Disable a user, their sessions and tokens."""
    engine = open_db(db_url)
    with store_errors(db_url):
        try:
            with writing(engine) as s:
                disable_user(s, name)
        except AccountError as exc:
            raise BadInput(str(exc)) from None
    click.echo(f"已停用 {name}")


@click.group("token")
def token_group() -> None:
    """接口令牌（集成用，请求头 Authorization: Bearer …）。API tokens."""


@token_group.command("create")
@click.option("--user", "name", required=True, help="令牌代表的用户。The user it acts as.")
@click.option("--label", help="备注，例如系统名称。A label.")
@db_option
def token_create(name: str, label: str | None, db_url: str | None) -> None:
    """生成一个令牌并打印（只显示这一次）。Create a token and print it (shown once)."""
    engine = open_db(db_url)
    with store_errors(db_url):
        try:
            with writing(engine) as s:
                token = create_token(s, name, label)
        except AccountError as exc:
            raise BadInput(str(exc)) from None
    click.echo(token)


@token_group.command("revoke")
@click.option("--user", "name", required=True)
@db_option
def token_revoke(name: str, db_url: str | None) -> None:
    """撤销该用户的全部令牌。Revoke all of a user's tokens."""
    engine = open_db(db_url)
    with store_errors(db_url):
        try:
            with writing(engine) as s:
                n = revoke_tokens(s, name)
        except AccountError as exc:
            raise BadInput(str(exc)) from None
    click.echo(f"已撤销 {n} 个令牌")


COMMANDS: list[click.Command] = [serve, users_group, token_group]
