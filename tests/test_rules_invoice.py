"""发票问题 (invoice): refusals, tax points, postage, excuses, wrong category/title, receipts."""

from __future__ import annotations

import pytest

from redline.model import Message
from support import AGENT2, MATCH, NEAR, agent, buyer

ASK = "B:你好，这单能开发票吗？"

INVOICE_ROWS = [
    # --- refusals ----------------------------------------------------------------------
    MATCH(ASK, "A:亲，特价商品不开票哦", id="special-price-no-invoice"),
    NEAR(ASK, "A:亲，特价商品也可以正常开发票的，麻烦发一下抬头", id="special-price-can-issue"),
    MATCH(ASK, "A:这款是活动款，活动商品是没有发票的呢", id="promotion-no-invoice"),
    NEAR(ASK, "A:活动商品一样能开发票哦，您下单后把抬头发我", id="promotion-can-issue"),
    MATCH(ASK, "A:不好意思亲，我们店不提供发票的", id="flat-refusal"),
    NEAR(ASK, "A:可以开的亲，提供一下抬头和税号就行", id="can-issue"),
    MATCH(ASK, "A:发票这边开不了哦亲", id="cannot-issue"),
    NEAR(ASK, "A:发票没问题的，确认收货后给您开", id="invoice-no-problem"),
    MATCH(ASK, "A:不是我们不想开，秒杀商品确实开不了发票", id="negated-excuse-still-refusal"),
    NEAR(ASK, "A:不是不能开哦，您把抬头发我就给您开", id="double-negation-can-issue"),
    NEAR("B:算了发票我不要了", "A:好的亲，不开也没关系的", id="buyer-declines-invoice"),
    # --- tax points ----------------------------------------------------------------------
    MATCH(ASK, "A:开票要加6个点哦", id="tax-points"),
    MATCH(ASK, "A:如果要开票需要加6个点", id="tax-points-conditional"),
    MATCH(ASK, "A:可以开，但是税点需要您承担一下", id="tax-borne-by-buyer"),
    MATCH(
        ASK,
        "A:可以开，不过税点需要您承担一下",
        id="tax-borne-by-buyer-buguo",
    ),
    MATCH(ASK, "A:开发票的话要另付3%的税", id="tax-percent"),
    MATCH(ASK, "A:开票要加六个点哦", id="tax-points-chinese-numeral"),
    MATCH(ASK, "A:开票要加６个点哦", id="tax-points-fullwidth-digit"),
    NEAR(ASK, "A:开票不用加点的，不需要您额外承担税点", id="no-tax-points"),
    NEAR(ASK, "A:发票可以开，不收任何税费哦", id="no-tax-fee"),
    # --- invoice postage ---------------------------------------------------------------
    MATCH(ASK, "A:发票可以单独寄给您，邮费需要您自己出哦", id="postage-by-buyer"),
    MATCH(ASK, "A:发票开好后给您寄过去，运费到付哦", id="postage-collect"),
    NEAR(ASK, "A:发票开好后单独给您寄，邮费我们承担哦", id="postage-by-seller"),
    NEAR(ASK, "A:发票会随货一起寄出，不用您出邮费", id="postage-with-goods"),
    # --- excuses: no reissue date is a violation ---------------------------------------
    MATCH(ASK, "A:我们公司纳税主体变更中，发票暂时开不了", id="excuse-tax-entity"),
    MATCH(ASK, "A:发票打印机在维修，暂时开不出来哦", id="excuse-printer"),
    MATCH(ASK, "A:税务系统升级，发票要延迟一阵子", id="excuse-system-no-period"),
    NEAR(
        ASK,
        "A:每月1-3号税务系统升级，电子发票开具时效会延长至订单完成48H~",
        id="excuse-system-definite-lead-time",
    ),
    MATCH(ASK, "A:这个月发票用完了，暂时开不了哈", id="excuse-used-up"),
    MATCH(ASK, "A:财务不在，发票现在没法开", id="excuse-accountant"),
    NEAR(ASK, "A:打印机在维修，发票暂时开不了，3天内补开寄给您，邮费我们出", id="excuse-with-date"),
    NEAR(ASK, "A:财务今天请假了，发票明天给您开好寄出，运费我们承担", id="excuse-with-tomorrow"),
    # --- wrong category / other company / company-only / receipt ----------------------
    MATCH(ASK, "A:鞋子的话只能开办公用品的发票哦", id="wrong-category"),
    MATCH(
        ASK,
        "A:鞋子的话只能开办公用品哦",
        id="wrong-category-no-invoice-word",
    ),
    MATCH(ASK, "A:发票是用我们合作公司的名义开", id="other-company"),
    MATCH(
        ASK,
        "A:可以开，不过是用我们合作公司的名义开",
        id="other-company-no-invoice-word",
    ),
    NEAR(ASK, "A:发票按您买的鞋类如实开具，用本店公司名义开", id="own-company-own-category"),
    MATCH(ASK, "A:只能开公司抬头，个人的开不了哦", id="company-only"),
    NEAR(ASK, "A:个人抬头和公司抬头都可以开的哦", id="person-or-company"),
    MATCH(ASK, "A:我们只能给您开收据哦", id="receipt-only"),
    NEAR(ASK, "A:发票和收据都可以给您开哦", id="receipt-and-invoice"),
    # --- invoice amount ---------------------------------------------------------------
    NEAR(ASK, "A:发票按商品金额200元开具，运费不计入哦", id="amount-excludes-shipping"),
    # --- spelling: Traditional, full-width, spaced ------------------------------------
    MATCH(ASK, "A:特價商品不開發票哦", id="traditional"),
    MATCH(ASK, "A:特价商品不开 发 票哦", id="spaced"),
    NEAR(ASK, "A:特價商品也可以開發票的", id="traditional-compliant"),
    # --- concept frames: receipt offered, small amount, another issuer, later postage ---
    MATCH(ASK, "A:票这块没有的 我给您出张收据盖章", id="receipt-offered"),
    NEAR(ASK, "A:可以开发票的，需要的话也能另附一张收据", id="receipt-besides-invoice"),
    MATCH(ASK, "A:订单满300才给开的哦", id="minimum-amount"),
    MATCH(ASK, "A:几十块钱的东西就别开了吧", id="small-amount"),
    NEAR(ASK, "A:几十块钱的订单也能开，电子发票确认收货后下载", id="small-amount-issued"),
    MATCH(ASK, "A:票是我们合作的厂家那边代开的，名字不一样", id="other-issuer"),
    MATCH(ASK, "A:品名只能写配件，报销一样的", id="category-only"),
    MATCH(ASK, "A:我哋淨係開到公司抬頭", id="cantonese-company-only"),
    MATCH(ASK, "A:开票机坏了在修，修好再说", id="machine-excuse-no-date"),
    NEAR(
        ASK,
        "A:开票机坏了在修，下周三（5月7号）修好，当天给您开好寄出，运费我们出",
        id="machine-excuse-with-date",
    ),
    MATCH(ASK, "A:纸质票可以开", "A:单独给您寄的话邮费您自己出哦", id="postage-later-message"),
    NEAR(ASK, "A:纸质票可以开", "A:单独给您寄，邮费我们承担", id="seller-pays-postage-later"),
    # --- receipts by other names; the buyer's own choice of a receipt ------------------
    MATCH(ASK, "A:我们出不了票哈 写个收条给您行不", id="iou-instead"),
    MATCH(ASK, "A:票我们开不出来 要不给您开个收款证明", id="payment-proof-instead"),
    NEAR("B:发票不要了 给个收据就行", "A:好的亲 给您开收据", id="buyer-chose-receipt"),
    NEAR(ASK, "A:收据和发票都可以给您", id="receipt-and-invoice-both"),
    # --- small amounts, shop size, dialect and homophones --------------------------------
    MATCH(ASK, "A:开啥发票啊 几十块钱的东西", id="what-invoice-tens-of-yuan"),
    MATCH(ASK, "A:这点钱开什么票嘛", id="this-little-money"),
    NEAR(ASK, "A:您要开什么发票 普票还是专票", id="which-kind-of-invoice"),
    NEAR(ASK, "A:几十块钱的东西也能开票的哈", id="tens-of-yuan-issued"),
    MATCH(
        ASK,
        "A:小样就不给开了哈，几块钱的东西开票成本高～买正装我们都是可以开的",
        id="can-issue-only-for-other-goods",
    ),
    MATCH(ASK, "A:我们是小店 没有发票的", id="small-shop-no-invoice"),
    MATCH(ASK, "A:唔好意思 我哋呢度唔開發票㗎", id="cantonese-refusal"),
    MATCH(ASK, "A:这个发瞟我们这边开不了哦亲", id="homophone"),
    MATCH(ASK, "A:双11特价款利润太薄，所以发票这块就没办法给您开啦", id="no-way-to-issue"),
    # --- excuses without a date: system faults, machines, a change of company ----------
    MATCH(ASK, "A:系统出问题了 票暂时出不来 等弄好了再说哈", id="system-fault-no-date"),
    MATCH(ASK, "A:开票的机器坏了 修好了再联系您", id="machine-broken-no-date"),
    MATCH(ASK, "A:发票要等公司换完主体才能开 具体时间还不确定", id="entity-change-no-date"),
    NEAR(ASK, "A:开票系统今天在升级 明天下午之前给您开好发到邮箱哦", id="system-upgrade-with-date"),
    NEAR(ASK, "A:系统显示您的发票已经开好了", id="system-shows-issued"),
    # --- a dearer price or a condition for the invoice ---------------------------------
    MATCH(ASK, "A:要发票的话得按含票价算 贵15块", id="price-with-invoice-dearer"),
    NEAR(ASK, "A:发票价格和实付一样 不会多收", id="invoice-price-same"),
    MATCH(
        ASK,
        "A:开票可以 不过信用卡付款要加2%手续费 专票还要再加6个税点",
        id="tax-points-beside-card-fee",
    ),
    MATCH(ASK, "A:个人的不给开哈 得有公司税号才行", id="company-tax-number-required"),
    NEAR(ASK, "A:个人抬头和公司抬头都能开哦 个人的不用填税号", id="personal-needs-no-tax-number"),
    MATCH(ASK, "A:发票可以开 单独寄的话要另外给8块钱快递费", id="postage-give-extra"),
    MATCH(ASK, "A:衣服这个品名开不出来 统一给您开劳保用品哈", id="all-as-other-category"),
]


@pytest.mark.parametrize(("messages", "hit"), INVOICE_ROWS)
def test_invoice_table(last_cats, messages, hit):
    assert ("invoice" in last_cats(messages)) is hit


EXCUSE = "我们公司纳税主体变更中，发票暂时开不了"
REISSUE = "下周三前补寄给您，邮费我们出"


def test_excuse_rescued_by_same_agents_next_message(flag):
    msgs = [ASK, agent(EXCUSE), agent(REISSUE)]
    assert (1, "invoice") not in flag(msgs)


def test_excuse_not_rescued_in_presend_mode(flag):
    # Pre-send judges the reply about to go out; the rescue does not exist yet.
    msgs = [ASK, agent(EXCUSE)]
    assert (1, "invoice") in flag(msgs, presend=True)
    assert (1, "invoice") in flag(msgs)  # and in a batch where nothing follows


def test_excuse_followup_without_date_is_no_rescue(flag):
    msgs = [ASK, agent(EXCUSE), agent("您耐心等等哦，好了通知您")]
    assert (1, "invoice") in flag(msgs)


def test_excuse_rescue_only_from_the_same_agent(flag):
    msgs = [ASK, agent(EXCUSE), agent(REISSUE, account=AGENT2)]
    assert (1, "invoice") in flag(msgs)


def test_presend_judges_only_the_last_message(flag):
    msgs = [ASK, agent("特价商品不开票哦"), buyer("那算了"), agent("好的亲，有需要再联系")]
    assert flag(msgs, presend=True) == set()
    assert (1, "invoice") in flag(msgs)


def test_invoice_finding_shape(findings):
    found = [f for f in findings([ASK, "A:亲，特价商品不开发票哦"]) if f.category == "invoice"]
    assert len(found) == 1
    f = found[0]
    assert f.message == 1
    assert f.severity == "violation"
    assert f.points == 6
    assert f.rule.startswith("invoice.")
    assert f.evidence == "亲，特价商品不开发票哦"[f.start : f.end]
    assert "特价" in f.evidence
    assert f.explanation
    # invoice amount = paid 215 minus shipping 15
    assert "200" in f.suggestion


def test_invoice_suggestion_without_order_drops_the_amount(guard):
    f = next(x for x in guard.check_text("特价商品不开发票") if x.category == "invoice")
    assert "{" not in f.suggestion and "[[" not in f.suggestion
    assert "可以开发票" in f.suggestion


def test_check_text_with_history_is_a_presend_check(guard):
    history = [Message(role="buyer", account="tb_buyer01", text="能开发票吗")]
    found = guard.check_text(EXCUSE, history=history)
    assert [(f.message, f.category) for f in found] == [(1, "invoice")]
    assert guard.check_text("可以开发票的亲", history=history) == []
