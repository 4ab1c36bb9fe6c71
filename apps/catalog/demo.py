# ruff: noqa: RUF001  (Chinese text uses full-width punctuation)
"""Demo catalog for `manage.py seed_demo`: a believable Chinese-market shop.

Every demo product is derived from its index alone (a `random.Random` seeded with the
index, plus the names of the products before it), so a run finds what an earlier run
made by slug, and a larger `--products` adds only the missing ones.

The first DETAILED_PRODUCTS go through the services one call at a time, each with its
own generated pictures. Beyond them (load tests want 10,000) products, SKUs and image
rows are bulk-inserted, then every product goes through the services' read-model
refresh and publish; their image rows point at the files of a detailed product of the
same category, so deleting such an image in the back office removes the file for the
products that share it (acceptable for load-test data, never done for real products).
"""

import dataclasses
import io
import itertools
import math
import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from functools import cache

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from apps.catalog import services
from apps.catalog.domain.exceptions import ReviewNotAllowed
from apps.catalog.models import SKU, AttributeValue, Brand, Category, Product, ProductImage, Purchase, Review

DEFAULT_PRODUCTS = 240
DETAILED_PRODUCTS = 300
BULK_CHUNK = 1000
PICTURE_SIZE = 400
SEED = "shop-demo-catalog-1"

# --- The category tree: (slug, name, description, children) --------------------------------

CATEGORY_TREE = [
    ("electronics", "数码 Electronics", "手机、电脑、耳机和智能设备。", [
        ("phones", "手机 Phones", "新款 5G 手机与实用配件。", [
            ("smartphones", "智能手机 Smartphones", "旗舰、影像、轻薄，总有一款适合你。", []),
            ("phone-accessories", "手机配件 Phone accessories", "充电器、移动电源、数据线和手机壳。", []),
        ]),
        ("computers", "电脑 Computers", "办公、学习和游戏。", [
            ("laptops", "笔记本电脑 Laptops", "轻薄本、高性能本和游戏本。", []),
            ("tablets", "平板电脑 Tablets", "追剧、网课、手写笔记。", []),
        ]),
        ("audio", "影音 Audio", "好声音，随时随地。", [
            ("headphones", "耳机 Headphones", "真无线、头戴式和运动耳机。", []),
            ("smart-speakers", "智能音箱 Smart speakers", "会聊天、能控制全屋家电的音箱。", []),
        ]),
    ]),
    ("home-appliances", "家电 Home appliances", "厨房和生活小家电。", [
        ("kitchen-appliances", "厨房电器 Kitchen appliances", "让做饭更简单。", [
            ("rice-cookers", "电饭煲 Rice cookers", "IH 加热、球釜内胆、预约煮饭。", []),
            ("air-fryers", "空气炸锅 Air fryers", "少油更健康。", []),
            ("kettles", "电水壶 Kettles", "速沸、恒温、养生壶。", []),
        ]),
        ("household-appliances", "生活电器 Household appliances", "清洁与空气。", [
            ("air-purifiers", "空气净化器 Air purifiers", "除甲醛、除雾霾、除过敏原。", []),
            ("robot-vacuums", "扫地机器人 Robot vacuums", "扫拖一体，解放双手。", []),
        ]),
    ]),
    ("clothing", "服饰 Clothing", "当季新款，舒适有型。", [
        ("womens-clothing", "女装 Women", "通勤、约会、度假。", [
            ("dresses", "连衣裙 Dresses", "碎花、真丝、针织连衣裙。", []),
            ("womens-tops", "女士上衣 Tops", "T 恤、衬衫、针织开衫。", []),
        ]),
        ("mens-clothing", "男装 Men", "商务与休闲。", [
            ("shirts", "衬衫 Shirts", "免烫、牛津纺、亚麻衬衫。", []),
            ("jackets", "夹克 Jackets", "冲锋衣、羽绒服、休闲夹克。", []),
        ]),
        ("shoes", "鞋靴 Shoes", "跑步、通勤、户外。", [
            ("sneakers", "运动鞋 Sneakers", "缓震跑鞋、板鞋和徒步鞋。", []),
        ]),
    ]),
    ("beauty", "美妆 Beauty", "护肤与彩妆，专柜正品。", [
        ("skincare", "护肤 Skincare", "补水、修护、抗老。", [
            ("face-creams", "面霜 Face creams", "保湿、修护、控油面霜。", []),
            ("serums", "精华 Serums", "修护、焕亮、紧致精华。", []),
        ]),
        ("makeup", "彩妆 Makeup", "日常妆容必备。", [
            ("lipsticks", "口红 Lipsticks", "哑光、水光、滋润，多色号可选。", []),
        ]),
    ]),
    ("food", "食品 Food", "产地直采的茶叶和零食。", [
        ("tea", "茶叶 Tea", "名优绿茶与乌龙茶。", [
            ("green-tea", "绿茶 Green tea", "龙井、碧螺春、毛峰、毛尖。", []),
            ("oolong-tea", "乌龙茶 Oolong tea", "铁观音、大红袍、单丛。", []),
        ]),
        ("snacks", "休闲零食 Snacks", "追剧、加班、出游。", [
            ("nuts", "坚果 Nuts", "每日坚果、碧根果、夏威夷果。", []),
            ("dried-fruit", "果干 Dried fruit", "葡萄干、芒果干、冻干水果。", []),
        ]),
    ]),
    ("home", "家居 Home", "睡得好，吃得香。", [
        ("bedding", "床上用品 Bedding", "四件套与枕头。", [
            ("bedding-sets", "四件套 Bedding sets", "全棉、长绒棉、真丝四件套。", []),
            ("pillows", "枕头 Pillows", "记忆棉、乳胶、羽绒枕。", []),
        ]),
        ("cookware", "厨具 Cookware", "锅具与厨房好物。", [
            ("woks", "炒锅 Woks", "不粘锅、精铁锅、不锈钢锅。", []),
        ]),
    ]),
]  # fmt: skip

# Picture style per top-level category: (shape, background).
ROOT_STYLES = {
    "electronics": ("circle", (226, 232, 240)),
    "home-appliances": ("rounded", (231, 240, 235)),
    "clothing": ("diamond", (246, 236, 231)),
    "beauty": ("hexagon", (248, 233, 240)),
    "food": ("triangle", (243, 239, 224)),
    "home": ("square", (236, 233, 227)),
}

# --- Brands: (slug, name, description) -------------------------------------------------------

BRANDS = [
    ("huaxing", "华星 Huaxing", "来自深圳的手机与智能设备品牌。"),
    ("aoki", "青木 Aoki", "简约设计的数码配件与音频产品。"),
    ("yunfan", "云帆 Yunfan", "专注轻薄笔记本和平板电脑。"),
    ("lingsheng", "灵声 Lingsheng", "耳机与智能音箱，好声音不贵。"),
    ("xiaoman", "小满 Xiaoman", "高性价比的智能生活电器。"),
    ("meijia", "美家 Meijia", "三十年厨房电器老品牌。"),
    ("nuanju", "暖居 Nuanju", "让家更温暖的生活电器。"),
    ("jingjie", "净界 Jingjie", "空气与清洁专家。"),
    ("suyi", "素衣 Suyi", "自然面料的都市女装。"),
    ("shanye", "山野 Shanye", "户外与机能服饰。"),
    ("chengnan", "城南 Chengnan", "通勤与休闲男女装。"),
    ("bulu", "步履 Bulu", "为每天走路的人做的鞋。"),
    ("hanami", "花见 Hanami", "年轻人的彩妆品牌。"),
    ("yuquan", "玉泉 Yuquan", "温和修护的草本护肤。"),
    ("runyan", "润颜 Runyan", "以科学配方做补水保湿。"),
    ("chashan", "茶山 Chashan", "核心产区直采的名优茶。"),
    ("guoyuanji", "果园记 Guoyuanji", "坚果与果干，每日新鲜烘焙。"),
    ("wugufang", "五谷坊 Wugufang", "传统工艺的健康零食。"),
    ("miantian", "棉田 Miantian", "新疆长绒棉家纺。"),
    ("muyu", "木语 Muyu", "厨具与家居小物。"),
]

# --- Attributes and their options ------------------------------------------------------------

COLOUR = "颜色 Colour"
STORAGE = "存储 Storage"
CONFIGURATION = "配置 Configuration"
SIZE = "尺码 Size"
SHOE_SIZE = "鞋码 Shoe size"
CAPACITY = "容量 Capacity"
NET_WEIGHT = "净含量 Net weight"
FLAVOUR = "口味 Flavour"
SHADE = "色号 Shade"
ROOM_SIZE = "适用面积 Room size"
BED_SIZE = "床品尺寸 Bed size"
PACK = "规格 Pack"
DIAMETER = "尺寸 Diameter"

COLOURS = {
    "曜石黑": (32, 32, 36),
    "冰川白": (236, 238, 240),
    "远峰蓝": (92, 128, 168),
    "薄荷绿": (146, 200, 172),
    "晨曦紫": (178, 160, 210),
    "流光金": (212, 184, 128),
    "深空灰": (88, 90, 96),
    "皓月银": (198, 200, 204),
    "星际蓝": (40, 62, 110),
    "樱花粉": (238, 182, 196),
    "雾霾蓝": (150, 172, 192),
    "奶白色": (244, 238, 226),
    "黑色": (24, 24, 24),
    "白色": (245, 245, 245),
    "米白色": (240, 232, 216),
    "酒红色": (122, 30, 48),
    "墨绿色": (34, 78, 60),
    "燕麦色": (214, 196, 166),
    "浅蓝色": (170, 200, 228),
    "藏青色": (30, 44, 80),
    "卡其色": (190, 166, 120),
    "军绿色": (86, 96, 60),
    "浅灰色": (200, 200, 200),
    "豆沙粉": (212, 160, 156),
    "黑白": (60, 60, 60),
    "灰蓝": (110, 130, 150),
}


@dataclasses.dataclass(frozen=True)
class Option:
    value: str
    factor: float = 1.0  # multiplies the base price
    extra: int = 0  # yuan added to the price
    grams: int = 0
    rgb: tuple[int, int, int] | None = None


@dataclasses.dataclass(frozen=True)
class Axis:
    attribute: str
    options: tuple[Option, ...]
    pick: tuple[int, int]  # how many options a product offers, at least and at most
    ordered: bool = False  # sizes and capacities are offered as a run of neighbours


def colours(*names: str, pick=(1, 3)) -> Axis:
    return Axis(COLOUR, tuple(Option(name, rgb=COLOURS[name]) for name in names), pick)


def sizes(attribute: str, *values: str, pick=(3, 4)) -> Axis:
    return Axis(attribute, tuple(Option(v) for v in values), pick, ordered=True)


def steps(attribute: str, *options: Option, pick=(1, 3)) -> Axis:
    return Axis(attribute, options, pick, ordered=True)


PHONE_COLOURS = colours("曜石黑", "冰川白", "远峰蓝", "薄荷绿", "晨曦紫", "流光金", pick=(1, 4))
DEVICE_COLOURS = colours("深空灰", "皓月银", "星际蓝", "薄荷绿", pick=(1, 3))
AUDIO_COLOURS = colours("曜石黑", "冰川白", "远峰蓝", "樱花粉", pick=(1, 3))
APPLIANCE_COLOURS = colours("奶白色", "曜石黑", "薄荷绿", pick=(1, 2))
WOMENS_COLOURS = colours("黑色", "米白色", "雾霾蓝", "酒红色", "墨绿色", "燕麦色", pick=(1, 3))
MENS_COLOURS = colours("白色", "浅蓝色", "藏青色", "卡其色", "军绿色", "黑色", pick=(1, 3))
SHOE_COLOURS = colours("黑白", "黑色", "白色", "灰蓝", pick=(1, 3))
BEDDING_COLOURS = colours("米白色", "燕麦色", "雾霾蓝", "豆沙粉", "浅灰色", pick=(1, 4))
LETTER_SIZES = sizes(SIZE, "S", "M", "L", "XL", "XXL")
MENS_SIZES = sizes(SIZE, "M", "L", "XL", "XXL", "3XL")
SHOE_SIZES = sizes(SHOE_SIZE, "38", "39", "40", "41", "42", "43", "44", "45", pick=(3, 6))
PHONE_STORAGE = steps(
    STORAGE, Option("128GB"), Option("256GB", extra=300), Option("512GB", extra=900), Option("1TB", extra=1900)
)
TABLET_STORAGE = steps(STORAGE, Option("128GB"), Option("256GB", extra=300), Option("512GB", extra=800))
TEA_WEIGHTS = steps(
    NET_WEIGHT, Option("100g", grams=100), Option("250g", 2.3, grams=250), Option("500g", 4.2, grams=500)
)
SNACK_WEIGHTS = steps(
    NET_WEIGHT, Option("250g", grams=250), Option("500g", 1.85, grams=500), Option("1kg", 3.4, grams=1000)
)
SKIN_CAPACITY = steps(
    CAPACITY, Option("30ml"), Option("50ml", 1.5, grams=30), Option("100ml", 2.6, grams=80), pick=(1, 2)
)


# --- What each leaf category sells ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Kind:
    leaf: str  # category slug
    word: str  # English word for slugs and picture captions
    brands: tuple[str, ...]
    lines: tuple[tuple[str, int, int], ...]  # (name pattern, lowest and highest base price in yuan)
    axes: tuple[Axis, ...]
    grams: tuple[int, int]
    features: tuple[str, ...]
    tiers: tuple[tuple[str, float], ...] = (("", 1.0),)  # filled into {tier}, with a price factor
    numbers: tuple[int, int] = (1, 9)  # filled into {n}


NEW_SEASON = (("", 1.0), ("2025 新款 ", 1.1), ("早秋 ", 1.0), ("百搭 ", 0.95))

KINDS = [
    Kind(
        "smartphones", "smartphone", ("huaxing", "aoki", "xiaoman"),
        (("Spark {n}{tier} 5G 手机", 1299, 2599), ("Aurora {n}{tier} 5G 手机", 2999, 4999),
         ("Vela {n}{tier} 影像旗舰手机", 3999, 5999), ("Lumi {n}{tier} 轻薄手机", 999, 1799)),
        (PHONE_COLOURS, PHONE_STORAGE), (185, 230),
        ("6.7 英寸 120Hz OLED 护眼屏", "5000mAh 大电池，支持 66W 有线快充", "5000 万像素主摄，夜景拍摄更清晰",
         "IP68 级防尘防水", "支持 NFC 公交卡与门禁卡", "双卡双待，5G 全网通", "卫星通信，户外也能报平安",
         "轻薄机身，仅 7.9mm"),
        tiers=(("", 1.0), (" Pro", 1.25), (" Ultra", 1.5), (" Lite", 0.8)), numbers=(8, 15),
    ),
    Kind(
        "phone-accessories", "accessory", ("huaxing", "aoki", "lingsheng", "xiaoman"),
        (("65W 氮化镓快充充电器", 89, 169), ("20000mAh 移动电源{tier}", 99, 199), ("磁吸无线充电器", 129, 249),
         ("Type-C 编织数据线 1.5m", 29, 59), ("液态硅胶手机壳", 39, 79)),
        (colours("曜石黑", "冰川白", "深空灰", "雾霾蓝"),), (40, 320),
        ("支持 PD/QC 多协议快充", "过充、过热多重保护", "小巧便携，出差旅行好搭档", "兼容主流安卓与苹果设备",
         "3C 认证，安全放心"),
        tiers=(("", 1.0), (" 快充版", 1.2)),
    ),
    Kind(
        "laptops", "laptop", ("yunfan", "huaxing", "aoki"),
        (("Air {n}{tier} 轻薄笔记本", 3999, 5999), ("Book Pro {n}{tier} 高性能笔记本", 5999, 8999),
         ("Titan {n}{tier} 游戏本", 6999, 11999)),
        (colours("深空灰", "皓月银", "星际蓝", pick=(1, 2)),
         steps(CONFIGURATION, Option("16GB+512GB"), Option("16GB+1TB", extra=500), Option("32GB+1TB", extra=1500))),
        (1200, 2400),
        ("2.8K 120Hz 高刷屏", "16 小时超长续航", "全金属一体机身", "雷电 4 与全功能 Type-C 接口", "Wi-Fi 7 高速无线",
         "背光键盘，夜间办公更方便"),
        tiers=(("", 1.0), (" Pro", 1.15)), numbers=(13, 16),
    ),
    Kind(
        "tablets", "tablet", ("yunfan", "huaxing", "xiaoman"),
        (("Pad {n}{tier} 平板电脑", 1499, 3299), ("Pad Mini {n} 平板电脑", 1299, 2299)),
        (colours("深空灰", "皓月银", "薄荷绿"), TABLET_STORAGE), (450, 620),
        ("11 英寸 2.5K 护眼屏", "支持手写笔与磁吸键盘", "四扬声器环绕立体声", "8000mAh 电池，追剧一整天",
         "多屏协同，手机平板无缝流转"),
        tiers=(("", 1.0), (" Pro", 1.35)), numbers=(5, 9),
    ),
    Kind(
        "headphones", "headphones", ("lingsheng", "aoki", "huaxing"),
        (("Echo {n}{tier} 真无线降噪耳机", 249, 899), ("Studio {n} 头戴式降噪耳机", 599, 1999),
         ("Run {n} 开放式运动耳机", 199, 599)),
        (AUDIO_COLOURS,), (50, 300),
        ("主动降噪深度 48dB", "单次续航 8 小时，配合充电盒 36 小时", "蓝牙 5.3，双设备连接", "LDAC 高清音频",
         "IP54 防汗防水"),
        tiers=(("", 1.0), (" Pro", 1.3)), numbers=(2, 6),
    ),
    Kind(
        "smart-speakers", "speaker", ("lingsheng", "xiaoman"),
        (("Home {n} 智能音箱", 199, 499), ("Home Max {n} 高保真智能音箱", 599, 1299), ("Mini {n} 蓝牙音箱", 99, 249)),
        (colours("曜石黑", "冰川白", "雾霾蓝"),), (300, 2000),
        ("中文语音助手，支持方言识别", "可控制全屋智能家电", "360° 环绕立体声", "儿童模式与家长控制",
         "两台即可组成立体声"),
        numbers=(1, 5),
    ),
    Kind(
        "rice-cookers", "rice-cooker", ("meijia", "xiaoman", "nuanju"),
        (("IH 电磁加热电饭煲{tier}", 399, 899), ("球釜智能电饭煲{tier}", 299, 699), ("迷你电饭煲", 149, 299)),
        (steps(CAPACITY, Option("3L"), Option("4L", 1.12, grams=300), Option("5L", 1.25, grams=600)),),
        (3000, 5000),
        ("IH 电磁立体加热，米饭粒粒分明", "24 小时预约，起床就有热饭", "不粘内胆，易清洗",
         "煮饭、煲粥、蒸煮、煲汤多功能", "低糖饭功能，控糖人群也能放心吃"),
        tiers=(("", 1.0), (" 升级款", 1.15)),
    ),
    Kind(
        "air-fryers", "air-fryer", ("meijia", "xiaoman", "nuanju"),
        (("可视空气炸锅", 299, 599), ("双篮空气炸锅", 499, 899), ("智能空气炸锅{tier}", 199, 399)),
        (steps(CAPACITY, Option("4.5L"), Option("5.5L", 1.1, grams=400), Option("6.5L", 1.2, grams=800), pick=(1, 2)),
         APPLIANCE_COLOURS),
        (3500, 6000),
        ("无油低脂，少油更健康", "可视窗口，烹饪过程一目了然", "8 种预设菜单", "不粘炸篮可拆洗", "360° 热风循环"),
        tiers=(("", 1.0), (" Pro", 1.2)),
    ),
    Kind(
        "kettles", "kettle", ("meijia", "xiaoman", "muyu"),
        (("304 不锈钢电水壶", 79, 159), ("恒温电水壶{tier}", 129, 299), ("玻璃养生壶", 99, 239)),
        (steps(CAPACITY, Option("1.5L"), Option("1.7L", 1.08, grams=100), pick=(1, 2)), APPLIANCE_COLOURS),
        (900, 1400),
        ("1800W 大功率，5 分钟速沸", "多段恒温，泡茶冲奶都合适", "防干烧自动断电", "一体无缝内胆"),
        tiers=(("", 1.0), (" 触控版", 1.2)),
    ),
    Kind(
        "air-purifiers", "air-purifier", ("jingjie", "xiaoman", "nuanju"),
        (("AirPro {n}{tier} 空气净化器", 899, 2499), ("除甲醛空气净化器 {n}", 1299, 3999)),
        (steps(ROOM_SIZE, Option("30-50m²"), Option("50-80m²", 1.3, grams=1500), Option("80-120m²", 1.6, grams=3000)),),
        (6000, 12000),
        ("CADR 600m³/h 高效净化", "H13 级 HEPA 滤网", "实时 PM2.5 数显", "睡眠模式低至 28dB", "手机 App 远程控制"),
        tiers=(("", 1.0), (" Pro", 1.25)), numbers=(3, 6),
    ),
    Kind(
        "robot-vacuums", "robot-vacuum", ("jingjie", "xiaoman"),
        (("扫拖一体机器人 {n}{tier}", 1499, 3999), ("自动集尘扫地机器人 {n}{tier}", 1999, 4999)),
        (colours("冰川白", "曜石黑", pick=(1, 2)),), (4000, 9000),
        ("激光导航，全屋建图", "6000Pa 大吸力", "自动集尘，60 天免倒尘", "热水洗拖布，自动烘干",
         "智能避障，不怕袜子和电线"),
        tiers=(("", 1.0), (" Pro", 1.25), (" Max", 1.5)), numbers=(5, 10),
    ),
    Kind(
        "dresses", "dress", ("suyi", "chengnan"),
        (("{tier}法式碎花连衣裙", 199, 399), ("{tier}真丝连衣裙", 459, 899), ("{tier}针织长袖连衣裙", 229, 459),
         ("{tier}高腰 A 字连衣裙", 169, 329), ("{tier}衬衫式连衣裙", 189, 359)),
        (WOMENS_COLOURS, LETTER_SIZES), (250, 450),
        ("面料柔软亲肤，透气不闷热", "收腰设计，显瘦显高", "可机洗，不易起球", "通勤约会都合适",
         "模特身高 168cm，穿 M 码"),
        tiers=NEW_SEASON,
    ),
    Kind(
        "womens-tops", "top", ("suyi", "chengnan", "shanye"),
        (("{tier}纯棉圆领 T 恤", 59, 129), ("{tier}雪纺衬衫", 129, 259), ("{tier}羊毛针织开衫", 299, 699),
         ("{tier}短款卫衣", 129, 239)),
        (WOMENS_COLOURS, sizes(SIZE, "S", "M", "L", "XL", pick=(2, 4))), (150, 400),
        ("精梳棉面料，柔软透气", "宽松版型，不挑身材", "不易变形，多次洗涤不褪色", "百搭基础款，一衣多穿"),
        tiers=NEW_SEASON,
    ),
    Kind(
        "shirts", "shirt", ("chengnan", "shanye"),
        (("{tier}免烫商务长袖衬衫", 169, 359), ("{tier}牛津纺休闲衬衫", 129, 259), ("{tier}亚麻短袖衬衫", 149, 299)),
        (MENS_COLOURS, MENS_SIZES), (220, 350),
        ("免烫工艺，出差也平整", "高支棉面料，挺括透气", "修身版型，商务休闲两相宜", "贝母扣细节，质感在线"),
        tiers=NEW_SEASON,
    ),
    Kind(
        "jackets", "jacket", ("shanye", "chengnan"),
        (("{tier}三合一冲锋衣", 499, 1299), ("{tier}轻薄羽绒服", 399, 899), ("{tier}休闲夹克", 259, 599)),
        (MENS_COLOURS, MENS_SIZES), (500, 1500),
        ("防风防泼水面料", "90% 白鸭绒填充，轻盈保暖", "可拆卸帽子，多种穿法", "多口袋设计，收纳方便"),
        tiers=NEW_SEASON,
    ),
    Kind(
        "sneakers", "sneaker", ("bulu", "shanye"),
        (("{tier}缓震跑步鞋", 299, 699), ("{tier}复古板鞋", 199, 459), ("{tier}轻量徒步鞋", 399, 899)),
        (SHOE_COLOURS, SHOE_SIZES), (600, 900),
        ("高回弹中底，久跑不累", "透气网面鞋面", "耐磨防滑橡胶大底", "偏大半码，建议选小一码"),
        tiers=NEW_SEASON,
    ),
    Kind(
        "face-creams", "face-cream", ("yuquan", "runyan"),
        (("{tier}玻尿酸保湿面霜", 129, 299), ("{tier}修护抗皱面霜", 299, 899), ("{tier}清爽控油乳霜", 99, 199)),
        (SKIN_CAPACITY,), (80, 200),
        ("深层补水，24 小时保湿", "温和无刺激，敏感肌可用", "质地轻薄，快速吸收", "添加烟酰胺，提亮肤色"),
        tiers=(("", 1.0), ("升级版 ", 1.1)),
    ),
    Kind(
        "serums", "serum", ("yuquan", "runyan", "hanami"),
        (("{tier}修护精华液", 259, 699), ("{tier}维 C 焕亮精华", 159, 399), ("{tier}玻色因紧致精华", 399, 999)),
        (steps(CAPACITY, Option("15ml", 0.6), Option("30ml"), Option("50ml", 1.5, grams=20), pick=(1, 2)),),
        (60, 150),
        ("高浓度活性成分，见效快", "修护屏障，改善泛红", "早晚可用，叠加面霜效果更佳", "独立滴管，用量精准"),
        tiers=(("", 1.0), ("升级版 ", 1.1)),
    ),
    Kind(
        "lipsticks", "lipstick", ("hanami", "runyan"),
        (("{tier}丝绒哑光口红", 89, 229), ("{tier}水光唇釉", 79, 189), ("{tier}滋润保湿唇膏", 59, 129)),
        (Axis(SHADE, (Option("#01 正红", rgb=(190, 20, 40)), Option("#02 豆沙", rgb=(170, 95, 90)),
                      Option("#03 枫叶", rgb=(150, 50, 40)), Option("#04 奶茶", rgb=(190, 130, 110)),
                      Option("#05 番茄", rgb=(220, 60, 40)), Option("#06 玫瑰", rgb=(190, 60, 90))), (2, 6)),),
        (20, 40),
        ("显色持久，不易沾杯", "质地顺滑，一抹上色", "添加植物精油，滋润不拔干", "磁吸外壳，精致小巧"),
        tiers=(("", 1.0), ("限定 ", 1.2)),
    ),
    Kind(
        "green-tea", "green-tea", ("chashan",),
        (("{tier}明前西湖龙井", 168, 568), ("{tier}黄山毛峰", 98, 298), ("{tier}洞庭碧螺春", 128, 398),
         ("{tier}信阳毛尖", 88, 268), ("{tier}安吉白茶", 158, 468)),
        (TEA_WEIGHTS,), (150, 250),
        ("核心产区原料，当季新茶", "汤色清澈，栗香浓郁", "密封罐装，锁住新鲜", "可追溯产地与采摘日期"),
        tiers=(("", 1.0), ("特级 ", 1.3), ("一级 ", 1.0), ("2025 新茶 ", 1.15)),
    ),
    Kind(
        "oolong-tea", "oolong", ("chashan",),
        (("{tier}安溪铁观音", 98, 398), ("{tier}武夷大红袍", 128, 598), ("{tier}凤凰单丛", 118, 458),
         ("{tier}冻顶乌龙", 108, 358)),
        (TEA_WEIGHTS,), (150, 250),
        ("传统炭焙工艺", "兰花香高，回甘持久", "耐泡七泡有余香", "独立小泡袋，出差也方便"),
        tiers=(("", 1.0), ("特级 ", 1.3), ("浓香型 ", 1.0), ("清香型 ", 1.0)),
    ),
    Kind(
        "nuts", "nuts", ("guoyuanji", "wugufang"),
        (("{tier}每日坚果", 59, 139), ("{tier}碧根果", 39, 89), ("{tier}夏威夷果", 39, 89),
         ("{tier}手剥巴旦木", 29, 69)),
        (Axis(FLAVOUR, (Option("原味"), Option("奶油味"), Option("盐焗味"), Option("碳烤味")), (1, 3)), SNACK_WEIGHTS),
        (30, 80),
        ("当季新果，每日现烘", "独立小包装，开袋即食", "颗粒饱满，开口易剥", "无添加蔗糖"),
        tiers=(("", 1.0), ("罐装 ", 1.1), ("量贩装 ", 0.9)),
    ),
    Kind(
        "dried-fruit", "dried-fruit", ("guoyuanji", "wugufang"),
        (("{tier}新疆葡萄干", 19, 49), ("{tier}芒果干", 29, 59), ("{tier}冻干草莓", 39, 79), ("{tier}红枣片", 19, 39)),
        (SNACK_WEIGHTS,), (30, 80),
        ("产地直采，自然晾晒", "果肉厚实，酸甜适口", "低温冻干，保留营养", "追剧办公好零食"),
        tiers=(("", 1.0), ("特级 ", 1.3), ("家庭装 ", 0.9)),
    ),
    Kind(
        "bedding-sets", "bedding-set", ("miantian", "muyu"),
        (("{tier}全棉四件套", 259, 599), ("{tier}60 支长绒棉四件套", 459, 999), ("{tier}水洗真丝四件套", 899, 1999)),
        (BEDDING_COLOURS,
         steps(BED_SIZE, Option("1.5m 床"), Option("1.8m 床", 1.12, grams=300), Option("2.0m 床", 1.25, grams=500))),
        (1800, 3000),
        ("新疆长绒棉，越洗越柔软", "活性印染，不掉色", "A 类标准，婴幼儿可用", "隐形拉链，换洗方便"),
        tiers=(("", 1.0), ("简约 ", 1.0), ("轻奢 ", 1.2)),
    ),
    Kind(
        "pillows", "pillow", ("miantian", "muyu"),
        (("{tier}记忆棉护颈枕", 99, 259), ("{tier}泰国乳胶枕", 129, 299), ("{tier}羽绒枕", 199, 499)),
        (steps(PACK, Option("单只装"), Option("一对装", 1.9, grams=900), pick=(1, 2)),), (800, 1200),
        ("贴合颈椎曲线", "透气不闷热", "可拆洗枕套", "回弹慢，睡感柔软"),
        tiers=(("", 1.0), ("加高款 ", 1.1), ("儿童款 ", 0.7)),
    ),
    Kind(
        "woks", "wok", ("muyu", "meijia"),
        (("{tier}不粘炒锅", 129, 299), ("{tier}精铁炒锅", 89, 199), ("{tier}316 不锈钢炒锅", 299, 699)),
        (steps(DIAMETER, Option("30cm"), Option("32cm", 1.1, grams=200), Option("34cm", 1.2, grams=400)),),
        (1500, 2500),
        ("燃气灶、电磁炉通用", "少油烟，不粘易洗", "加厚锅底，受热均匀", "可立锅盖，节省空间"),
        tiers=(("", 1.0), ("家用 ", 1.0), ("无涂层 ", 1.1)),
    ),
]  # fmt: skip

EDITIONS = ("经典款", "升级款", "旗舰款", "礼盒装", "限定款", "家庭装")
SERVICE_NOTES = ("正品保证，全国联保。", "7 天无理由退货，15 天质量问题换货。", "满 99 元包邮，顺丰发货。")

# Only buyers review (REVIEWS_REQUIRE_PURCHASE): the demo shoppers (accounts' demo, all
# at example.com) review some of what orders' demo had them buy. Real customers of a
# demo shop write their own reviews.
DEMO_EMAIL_DOMAIN = "@example.com"
REVIEW_SHARE = 0.6  # of the demo purchases that get a review
PENDING_SHARE = 0.1  # of those, left for the moderators
# A shopper who posts spam on some of what they bought; moderation turns it down, so
# the back office shows every outcome.
SPAMMER_EMAIL = "youhui8888@example.com"
SPAM_SHARE = 0.2
SPAM_REVIEW = (5, "领券", "加微信 shop8888 领 50 元无门槛优惠券，先到先得！")
REVIEW_TEXTS = {
    5: [
        ("很满意", "物流很快，包装完好，和描述的一样，推荐购买。"),
        ("第二次回购", "质量稳定，家人都很喜欢，活动价入手很划算。"),
        ("超出预期", "做工精致，细节到位，客服回复也及时。"),
    ],
    4: [
        ("性价比高", "用了一周，整体不错，就是说明书可以再详细一点。"),
        ("不错", "和实体店看到的一样，价格更便宜，发货也快。"),
    ],
    3: [
        ("还可以", "东西没问题，颜色比图片稍深一点。"),
        ("中规中矩", "能用，没有特别惊艳，这个价位可以接受。"),
    ],
    2: [("一般", "到货有点慢，外包装有压痕，东西本身还行。")],
    1: [("不推荐", "用了三天就出问题了，已经联系客服退货。")],
}


# --- Specs: what a product is, derived from its index -------------------------------------------


@dataclasses.dataclass(frozen=True)
class SkuSpec:
    code: str
    price: Decimal
    compare_at_price: Decimal | None
    grams: int
    values: tuple[tuple[str, str], ...]  # (attribute, value)


@dataclasses.dataclass(frozen=True)
class PictureSpec:
    shape: str
    background: tuple[int, int, int]
    fill: tuple[int, int, int]
    initials: str
    caption: str
    variant: int


@dataclasses.dataclass(frozen=True)
class ProductSpec:
    index: int
    slug: str
    name: str
    leaf: str
    brand: str
    description: str
    is_featured: bool
    age_days: float
    skus: tuple[SkuSpec, ...]
    pictures: tuple[PictureSpec, ...]


def product_specs(*, count: int) -> list[ProductSpec]:
    """The first `count` demo products; the same list every time (prefix-stable)."""
    brands = {slug: name for slug, name, _ in BRANDS}
    roots = _leaf_roots()
    used_names: set[str] = set()
    # In index order: a name already taken by an earlier product gets an edition word.
    return [_product_spec(index, KINDS[index % len(KINDS)], brands, roots, used_names) for index in range(count)]


def _product_spec(index, kind: Kind, brands, roots, used_names: set[str]) -> ProductSpec:
    rng = random.Random(f"{SEED}:{index}")
    number = index + 1
    brand = rng.choice(kind.brands)
    pattern, low, high = rng.choice(kind.lines)
    tier, tier_factor = rng.choice(kind.tiers)
    model = pattern.format(n=rng.randint(*kind.numbers), tier=tier).strip()
    name = _distinct_name(f"{brands[brand].split()[0]} {model}", used_names)

    chosen = _choose_options(rng, kind.axes)
    base = rng.uniform(low, high) * tier_factor
    on_sale = rng.random() < 0.35
    markup = rng.uniform(1.12, 1.4)
    base_grams = rng.randint(*kind.grams)
    skus = []
    for position, combination in enumerate(itertools.product(*chosen), start=1):
        factor, extra, grams = 1.0, 0, base_grams
        for option in combination:
            factor, extra, grams = factor * option.factor, extra + option.extra, grams + option.grams
        price = shop_price(base * factor + extra)
        compare_at = shop_price(float(price) * markup) if on_sale else None
        skus.append(
            SkuSpec(
                code=f"{brand[:3].upper()}-{number:05d}-{position:02d}",
                price=price,
                compare_at_price=compare_at if compare_at and compare_at > price else None,
                grams=grams,
                values=tuple(
                    (axis.attribute, option.value) for axis, option in zip(kind.axes, combination, strict=True)
                ),
            )
        )

    features = rng.sample(kind.features, k=min(len(kind.features), rng.randint(3, 4)))
    description = "\n".join([f"{name}。", *(f"· {feature}" for feature in features), rng.choice(SERVICE_NOTES)])
    shape, background = ROOT_STYLES[roots[kind.leaf]]
    palette = [option.rgb for axis in chosen for option in axis if option.rgb] or [_accent(rng)]
    brand_english = brands[brand].split()[-1]
    pictures = tuple(
        PictureSpec(
            shape=shape,
            background=background,
            fill=palette[n % len(palette)],
            initials=f"{brand_english[0]}{kind.word[0]}".upper(),
            caption=f"{brand_english} {kind.word.replace('-', ' ')}".upper(),
            variant=n,
        )
        for n in range(rng.choices((1, 2, 3), weights=(55, 30, 15))[0])
    )
    return ProductSpec(
        index=index,
        slug=f"{brand}-{kind.word}-{number}",
        name=name,
        leaf=kind.leaf,
        brand=brand,
        description=description,
        is_featured=rng.random() < 0.08,
        age_days=rng.uniform(0, 180),
        skus=tuple(skus),
        pictures=pictures,
    )


def _distinct_name(name: str, used: set[str]) -> str:
    """Shops do not list two products under one name: later ones get an edition word."""
    candidates = itertools.chain(
        [name],
        (f"{name} {edition}" for edition in EDITIONS),
        (f"{name} {edition} {n}" for n in itertools.count(2) for edition in EDITIONS),
    )
    chosen = next(candidate for candidate in candidates if candidate not in used)
    used.add(chosen)
    return chosen


def _choose_options(rng: random.Random, axes: tuple[Axis, ...]) -> list[list[Option]]:
    """Options per axis, at most 12 combinations (a product page stays usable)."""
    counts = [rng.randint(*axis.pick) for axis in axes]
    while math.prod(counts) > 12:
        counts[counts.index(max(counts))] -= 1
    chosen = []
    for axis, count in zip(axes, counts, strict=True):
        if axis.ordered:
            start = rng.randint(0, len(axis.options) - count)
            chosen.append(list(axis.options[start : start + count]))
        else:
            picked = set(rng.sample(range(len(axis.options)), count))
            chosen.append([option for i, option in enumerate(axis.options) if i in picked])
    return chosen


def shop_price(amount: float) -> Decimal:
    """A price as shops set them: ¥2,499.00, ¥349.00, ¥39.90."""
    if amount >= 1000:
        return Decimal(round(amount / 100) * 100 - 1).quantize(Decimal("0.01"))
    if amount >= 100:
        return Decimal(round(amount / 10) * 10 - 1).quantize(Decimal("0.01"))
    return Decimal(max(round(amount), 2)) - Decimal("0.10")


def _accent(rng: random.Random) -> tuple[int, int, int]:
    return tuple(rng.randint(60, 200) for _ in range(3))


def _leaf_roots() -> dict[str, str]:
    roots = {}

    def walk(nodes, root):
        for slug, _, _, children in nodes:
            if not children:
                roots[slug] = root or slug
            walk(children, root or slug)

    walk(CATEGORY_TREE, None)
    return roots


@dataclasses.dataclass(frozen=True)
class ReviewSpec:
    author: str  # e-mail address
    product_slug: str
    rating: int
    title: str
    body: str
    outcome: str  # "approve", "reject" or "pending" (left for the moderators)


def review_specs(*, purchases: list[tuple[str, str]]) -> list[ReviewSpec]:
    """What the buyers say: (e-mail, product slug) purchases in, the same reviews out on every run.

    Each purchase decides alone (its own random generator), so more purchases later
    add reviews without changing those planned before.
    """
    specs = []
    for author, slug in sorted(set(purchases)):
        rng = random.Random(f"{SEED}:review:{author}:{slug}")
        if author == SPAMMER_EMAIL:
            if rng.random() < SPAM_SHARE:
                specs.append(ReviewSpec(author, slug, *SPAM_REVIEW, outcome="reject"))
            continue
        if rng.random() >= REVIEW_SHARE:
            continue
        rating = rng.choices((5, 4, 3, 2, 1), weights=(50, 30, 12, 5, 3))[0]
        title, body = rng.choice(REVIEW_TEXTS[rating])
        outcome = "pending" if rng.random() < PENDING_SHARE else "approve"
        specs.append(ReviewSpec(author, slug, rating, title, body, outcome))
    return specs


# --- Pictures -------------------------------------------------------------------------------------


@cache
def _font(size: int):
    return ImageFont.load_default(size=size)


def draw_picture(picture: PictureSpec, *, size: int = PICTURE_SIZE) -> bytes:
    """A product shot stand-in: the colour of the product in the category's shape, with initials."""
    image = Image.new("RGB", (size, size), picture.background)
    draw = ImageDraw.Draw(image)
    margin = size // 5
    centre = size / 2
    radius = centre - margin
    cx, cy = centre, centre
    if picture.variant:
        # Second and third pictures: the shape smaller and off-centre, like a detail shot.
        radius *= 0.8
        cx, cy = centre + radius * 0.2 * (-1) ** picture.variant, centre - radius * 0.15
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    if picture.shape == "circle":
        draw.ellipse(box, fill=picture.fill)
    elif picture.shape == "rounded":
        draw.rounded_rectangle(box, radius=int(radius / 4), fill=picture.fill)
    elif picture.shape == "square":
        draw.rectangle(box, fill=picture.fill)
    else:
        sides = {"diamond": 4, "hexagon": 6, "triangle": 3}[picture.shape]
        draw.regular_polygon((cx, cy, radius * 1.15), sides, rotation=0 if sides != 4 else 45, fill=picture.fill)
    ink = (255, 255, 255) if _luminance(picture.fill) < 150 else (40, 40, 40)
    draw.text((cx, cy), picture.initials, font=_font(size // 5), fill=ink, anchor="mm")
    draw.text((centre, size - margin / 2), picture.caption, font=_font(size // 20), fill=(90, 90, 90), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82)
    return out.getvalue()


def _luminance(rgb) -> float:
    red, green, blue = rgb
    return 0.299 * red + 0.587 * green + 0.114 * blue


# --- Seeding --------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Lookups:
    categories: dict[str, Category]
    brands: dict[str, Brand]
    values: dict[tuple[str, str], AttributeValue]


def seed(*, stdout, products: int = DEFAULT_PRODUCTS, verbosity: int = 1, **options) -> list[str]:
    lookups = _Lookups(categories=_seed_categories(), brands=_seed_brands(), values=_seed_attribute_values())
    specs = product_specs(count=products)
    existing = set(Product.objects.values_list("slug", flat=True))
    missing = [spec for spec in specs if spec.slug not in existing]
    now = timezone.now()
    for spec in missing:
        if spec.index < DETAILED_PRODUCTS:
            _create_product(spec, lookups, now=now)
    bulk = [spec for spec in missing if spec.index >= DETAILED_PRODUCTS]
    if bulk:
        _create_products_in_bulk(bulk, lookups, now=now, stdout=stdout, verbosity=verbosity)
    # Nothing on a first run: the purchases come from orders' demo, which seeds the
    # reviews itself once they exist (see seed_reviews). A later run adds any missing.
    reviews = seed_reviews()
    if verbosity:
        stdout.write(f"Catalog: {len(missing)} new products ({len(specs)} demo products), {reviews} new reviews.")
    return []


def _seed_categories() -> dict[str, Category]:
    existing = set(Category.objects.values_list("slug", flat=True))

    def walk(nodes, parent_slug):
        for slug, name, description, children in nodes:
            if slug not in existing:
                # Re-read the parent: adding a sorted sibling moves paths under our feet.
                parent = Category.objects.get(slug=parent_slug) if parent_slug else None
                services.category_create(name=name, parent=parent, slug=slug, description=description)
            walk(children, slug)

    walk(CATEGORY_TREE, None)
    return {category.slug: category for category in Category.objects.all()}


def _seed_brands() -> dict[str, Brand]:
    existing = {brand.slug: brand for brand in Brand.objects.all()}
    for slug, name, description in BRANDS:
        if slug not in existing:
            existing[slug] = services.brand_create(name=name, slug=slug, description=description)
    return existing


def _seed_attribute_values() -> dict[tuple[str, str], AttributeValue]:
    wanted = {(axis.attribute, option.value) for kind in KINDS for axis in kind.axes for option in axis.options}
    return {
        (attribute, value): services.attribute_value_get_or_create(attribute=attribute, value=value)
        for attribute, value in sorted(wanted)
    }


def _create_product(spec: ProductSpec, lookups: _Lookups, *, now) -> Product:
    product = services.product_create(
        name=spec.name,
        category=lookups.categories[spec.leaf],
        slug=spec.slug,
        brand=lookups.brands[spec.brand],
        description=spec.description,
        is_featured=spec.is_featured,
        published_at=now - timedelta(days=spec.age_days),
    )
    for sku in spec.skus:
        services.sku_create(
            product=product,
            code=sku.code,
            price=sku.price,
            compare_at_price=sku.compare_at_price,
            weight_grams=sku.grams,
            attribute_values=[lookups.values[pair] for pair in sku.values],
        )
    _add_pictures(product, spec)
    return services.product_publish(product=product)


def _add_pictures(product: Product, spec: ProductSpec) -> None:
    for position, picture in enumerate(spec.pictures):
        upload = ContentFile(draw_picture(picture), name=f"{spec.slug}-{position + 1}.jpg")
        services.product_image_add(product=product, upload=upload, alt=spec.name, position=position)


def _create_products_in_bulk(specs: list[ProductSpec], lookups: _Lookups, *, now, stdout, verbosity) -> None:
    """Insert rows in bulk, then let the services compute the read model and publish."""
    shared_pictures = _pictures_by_category()
    for start in range(0, len(specs), BULK_CHUNK):
        chunk = specs[start : start + BULK_CHUNK]
        products = Product.objects.bulk_create(
            [
                Product(
                    name=spec.name,
                    slug=spec.slug,
                    category=lookups.categories[spec.leaf],
                    brand=lookups.brands[spec.brand],
                    description=spec.description,
                    is_featured=spec.is_featured,
                    published_at=now - timedelta(days=spec.age_days),
                )
                for spec in chunk
            ]
        )
        skus, sku_values = [], []
        for product, spec in zip(products, chunk, strict=True):
            for sku_spec in spec.skus:
                sku = SKU(
                    product=product,
                    code=sku_spec.code,
                    price=sku_spec.price,
                    compare_at_price=sku_spec.compare_at_price,
                    weight_grams=sku_spec.grams,
                )
                skus.append(sku)
                sku_values.append([lookups.values[pair] for pair in sku_spec.values])
        SKU.objects.bulk_create(skus)
        through = SKU.attribute_values.through
        through.objects.bulk_create(
            [
                through(sku_id=sku.pk, attributevalue_id=value.pk)
                for sku, values in zip(skus, sku_values, strict=True)
                for value in values
            ]
        )
        images, unpictured = [], []
        for product, spec in zip(products, chunk, strict=True):
            choices = shared_pictures.get(product.category_id)
            if not choices:
                unpictured.append((product, spec))
                continue
            rows = choices[spec.index % len(choices)]
            images.extend(
                ProductImage(product=product, alt=spec.name[:200], position=position, **row)
                for position, row in enumerate(rows[: len(spec.pictures)])
            )
        ProductImage.objects.bulk_create(images)
        for product, spec in unpictured:
            _add_pictures(product, spec)
        for product in products:
            services.product_refresh(product=product)
            services.product_publish(product=product)
        if verbosity:
            stdout.write(f"Catalog: {start + len(chunk)} of {len(specs)} bulk products published.")


def _pictures_by_category() -> dict[int, list[list[dict]]]:
    """Image files of the detailed demo products, per category, for bulk products to share."""
    detailed_slugs = [spec.slug for spec in product_specs(count=DETAILED_PRODUCTS)]
    rows = (
        ProductImage.objects.filter(product__slug__in=detailed_slugs)
        .order_by("product_id", "position", "id")
        .values_list("product__category_id", "product_id", "image", "thumbnail", "medium", "width", "height")
    )
    per_product: dict[int, list[dict]] = defaultdict(list)
    category_of: dict[int, int] = {}
    for category_id, product_id, image, thumbnail, medium, width, height in rows:
        category_of[product_id] = category_id
        per_product[product_id].append(
            {"image": image, "thumbnail": thumbnail, "medium": medium, "width": width, "height": height}
        )
    shared: dict[int, list[list[dict]]] = defaultdict(list)
    for product_id, pictures in per_product.items():
        shared[category_of[product_id]].append(pictures)
    return shared


def seed_reviews(**options) -> int:
    """The demo shoppers review some of what they bought; the admin moderates. Returns how many are new.

    Orders' demo calls this after its orders are committed and their OrderCompleted
    events delivered (catalog.record_purchase fills Purchase): only buyers may review.
    """
    moderator = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if moderator is None:
        return 0
    bought = Purchase.objects.filter(user__email__endswith=DEMO_EMAIL_DOMAIN, user__is_staff=False)
    plan = review_specs(purchases=list(bought.values_list("user__email", "product__slug")))
    if not plan:
        return 0
    authors = {user.email: user for user in get_user_model().objects.filter(email__in={r.author for r in plan})}
    products = {p.slug: p for p in Product.objects.filter(slug__in={r.product_slug for r in plan})}
    done = set(
        Review.objects.filter(user__in=authors.values(), product__in=products.values()).values_list(
            "user__email", "product__slug"
        )
    )
    created = 0
    for review in plan:
        user, product = authors.get(review.author), products.get(review.product_slug)
        if user is None or product is None or (review.author, review.product_slug) in done:
            continue
        try:
            submitted = services.review_submit(
                user=user, product=product, rating=review.rating, title=review.title, body=review.body
            )
        except ReviewNotAllowed:
            continue  # no longer published
        if review.outcome != "pending":
            services.review_moderate(review=submitted, approve=review.outcome == "approve", moderator=moderator)
        created += 1
    return created
