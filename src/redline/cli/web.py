"""``redline serve``, ``redline users`` and ``redline token``: the web app's commands."""

from __future__ import annotations

import click

from redline.cli.options import db_option, emit_json, format_option, local, open_db, store_errors
from redline.cli.table import BadInput, table
from redline.store import writing
from redline.store.accounts import (
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

DEMO_CHATS = 300
DEMO_VIOLATION_SHARE = 0.2


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
    from redline.store import session

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


@click.command("demo-web")
@click.option("--orders", "n_orders", type=int, default=600, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--password", help="所有演示账号的密码（默认随机生成并打印）。Demo password.")
@click.option(
    "--serve/--no-serve", "do_serve", default=True, show_default=True, help="导入后启动看板。"
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@db_option
def demo_web(
    n_orders: int,
    seed: int,
    password: str | None,
    do_serve: bool,
    host: str,
    port: int,
    db_url: str | None,
) -> None:
    """看板演示：生成最近一个月的店铺数据，导入、质检、建演示账号并启动看板。

    Generate the last month of a demo shop (orders, refunds, chats with real-looking
    violations) ending now, import it, run QA, review some findings, record a
    platform notice, create demo logins (printed) and serve the dashboard.
    """
    from datetime import timedelta

    from redline.demo.generate import generate_month
    from redline.demo.load import demo_agents, fresh_sqlite, load_month, review_sample, run_demo_qa
    from redline.desk.policy import Policy
    from redline.guard.engine import Guard
    from redline.store import data_dir, describe, resolve_url

    policy = Policy.default()
    now = policy.china_now().replace(microsecond=0)
    start = (now - timedelta(days=30)).date()
    if db_url is None:
        db_url = fresh_sqlite(data_dir() / "demo-web.db")
    folder = data_dir() / "demo-web"
    shop = "云朵家居旗舰店"
    # A month that shows the product: a few hundred chats, a fifth of them with a
    # red-line mistake in every category the scenarios plant.
    files = generate_month(
        folder,
        seed=seed,
        start=start,
        days=30,
        orders=n_orders,
        now=now,
        shop=shop,
        chats=DEMO_CHATS,
        violation_share=DEMO_VIOLATION_SHARE,
    )
    engine = open_db(db_url)
    click.echo(f"数据库：{describe(resolve_url(db_url))}")
    with store_errors(db_url):
        for name, report in load_month(engine, files, now):
            click.echo(
                f"导入 {name}：新增 {report.accepted}，更新 {report.updated}，"
                f"未变 {report.unchanged}，错误 {report.rejected}"
            )
        qa = run_demo_qa(engine, Guard.default(), now)
        click.echo(f"质检：检查 {qa.checked} 个会话，发现 {qa.new_findings} 处问题")
        done = review_sample(engine, now, seed=seed)
        click.echo(
            f"复核：确认 {done['confirmed']}，驳回 {done['dismissed']}，申诉 {done['appealed']}；"
            f"平台扣分通知 {done['notices']} 条"
        )
        logins: list[tuple[str, str, str | None]] = [
            ("admin", "admin", None),
            ("boss", "supervisor", None),
            *[(login, "agent", account) for login, account in demo_agents(shop)],
        ]
        click.echo("\n演示账号（只显示这一次）：")
        with writing(engine) as s:
            for login, role, account in logins:
                pw = password or generate_password()
                add_user(s, login, role, pw, account, actor="demo")
                click.echo(f"  {login:<10} {ROLE_ZH[role]:<4} 密码 {pw}")
    if do_serve:
        click.echo("")
        click.get_current_context().invoke(
            serve, host=host, port=port, rules_dirs=(), workers=1, db_url=db_url
        )


COMMANDS: list[click.Command] = [serve, users_group, token_group, demo_web]
