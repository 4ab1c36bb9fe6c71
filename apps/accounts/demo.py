"""Demo accounts for `manage.py seed_demo`: the admin, the demo customer (who signs in)
and a few more shoppers with an address each, whom orders' demo gives order histories
(and catalog's demo lets review what they bought). Found again by e-mail address, so a
second run changes nothing."""

import os
import secrets

from apps.accounts import services
from apps.accounts.models import User

ADMIN_EMAIL = "admin@example.com"
CUSTOMER_EMAIL = "customer@example.com"

# (e-mail, name, mobile, (province, city, district, street, postcode)). Not for signing
# in: nobody knows their passwords. The last one posts spam, which moderation rejects.
SHOPPERS = [
    (
        "li.na@example.com",
        "李娜 Li Na",
        "13911112222",
        ("北京市", "北京市", "朝阳区", "建国路 88 号 SOHO 现代城 5 号楼 1203", "100022"),
    ),
    (
        "wang.fang@example.com",
        "王芳 Wang Fang",
        "13622223333",
        ("广东省", "广州市", "天河区", "天河路 385 号太古汇一座 17 楼", "510620"),
    ),
    (
        "chen.jing@example.com",
        "陈静 Chen Jing",
        "13733334444",
        ("浙江省", "杭州市", "西湖区", "文三路 478 号华星时代广场 A 座 6 楼", "310012"),
    ),
    (
        "liu.yang@example.com",
        "刘洋 Liu Yang",
        "13544445555",
        ("四川省", "成都市", "武侯区", "天府大道北段 1700 号环球中心 W6 区", "610041"),
    ),
    (
        "zhao.lei@example.com",
        "赵磊 Zhao Lei",
        "15855556666",
        ("江苏省", "南京市", "鼓楼区", "中山路 18 号德基广场二期 9 楼", "210008"),
    ),
    ("sun.li@example.com", "孙丽 Sun Li", "18666667777", ("湖北省", "武汉市", "洪山区", "珞喻路 1037 号", "430074")),
    (
        "zhou.min@example.com",
        "周敏 Zhou Min",
        "17777778888",
        ("陕西省", "西安市", "雁塔区", "科技路 48 号创业广场 B 座 1102", "710065"),
    ),
    (
        "youhui8888@example.com",
        "优惠小助手",
        "19988889999",
        ("广东省", "深圳市", "南山区", "科技园南区 8 栋 301", "518057"),
    ),
]


def seed(*, stdout, **options) -> list[str]:
    admin_password = os.environ.get("DEMO_ADMIN_PASSWORD", "shop-admin-2026")
    customer_password = os.environ.get("DEMO_CUSTOMER_PASSWORD", "shop-customer-2026")

    if not User.objects.filter(email=ADMIN_EMAIL).exists():
        User.objects.create_superuser(ADMIN_EMAIL, admin_password, display_name="Demo Admin")
    _shopper(
        CUSTOMER_EMAIL,
        "张伟 Zhang Wei",
        "13800138000",
        ("上海市", "上海市", "浦东新区", "世纪大道 100 号 8 楼", "200120"),
        password=customer_password,
        recipient="张伟",
        language="en",
    )
    for email, name, phone, address in SHOPPERS:
        _shopper(email, name, phone, address, password=secrets.token_urlsafe(18), recipient=name.split()[0])
    return [
        f"  Admin:    {ADMIN_EMAIL} / {admin_password}   (back office: /admin/)",
        f"  Customer: {CUSTOMER_EMAIL} / {customer_password}",
    ]


def _shopper(email, name, phone, address, *, password: str, recipient: str, language: str = "zh-hans") -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = services.user_register(email=email, password=password, display_name=name, phone=phone, language=language)
    if not user.addresses.exists():
        province, city, district, street, postcode = address
        services.address_create(
            user=user,
            recipient=recipient,
            phone=phone,
            province=province,
            city=city,
            district=district,
            street=street,
            postcode=postcode,
        )
    return user
