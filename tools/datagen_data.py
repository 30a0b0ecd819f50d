"""Static reference data for ``tools/datagen.py`` (names, stores, products, calendar).

Kept apart from the generator so the lists can be read and extended without
touching the loading code.  Every string here is written into PostgreSQL COPY
text, so none may contain a tab, newline or backslash (checked at import).
"""

import datetime

# 百家姓: the most common surnames, roughly weighted by frequency (percent).
SURNAMES = [
    ("王", 7.1),
    ("李", 7.0),
    ("张", 6.7),
    ("刘", 5.4),
    ("陈", 4.5),
    ("杨", 3.1),
    ("黄", 2.2),
    ("赵", 2.0),
    ("吴", 1.9),
    ("周", 1.9),
    ("徐", 1.5),
    ("孙", 1.4),
    ("马", 1.3),
    ("朱", 1.2),
    ("胡", 1.2),
    ("郭", 1.1),
    ("何", 1.1),
    ("林", 1.0),
    ("高", 1.0),
    ("罗", 0.9),
    ("郑", 0.9),
    ("梁", 0.9),
    ("谢", 0.8),
    ("宋", 0.7),
    ("唐", 0.7),
    ("许", 0.7),
    ("韩", 0.6),
    ("冯", 0.6),
    ("邓", 0.6),
    ("曹", 0.6),
    ("彭", 0.5),
    ("曾", 0.5),
    ("肖", 0.5),
    ("田", 0.5),
    ("董", 0.5),
    ("袁", 0.5),
    ("潘", 0.4),
    ("于", 0.4),
    ("蒋", 0.4),
    ("蔡", 0.4),
    ("余", 0.4),
    ("杜", 0.4),
    ("叶", 0.4),
    ("程", 0.4),
    ("苏", 0.3),
    ("魏", 0.3),
    ("吕", 0.3),
    ("丁", 0.3),
    ("任", 0.3),
    ("沈", 0.3),
    ("姚", 0.3),
    ("卢", 0.3),
    ("姜", 0.3),
    ("崔", 0.3),
    ("钟", 0.3),
    ("谭", 0.3),
    ("陆", 0.3),
    ("汪", 0.3),
    ("范", 0.3),
    ("金", 0.3),
    ("欧阳", 0.05),
    ("司马", 0.02),
    ("上官", 0.02),
    ("诸葛", 0.01),
]

# Characters used in given names (one or two characters), by gender.
GIVEN_FEMALE = list(
    "芳娜敏静丽艳娟霞秀英华慧巧美婷雪琳晶欣怡佳颖倩洁玲萍红燕梅莉兰月"
    "凤琴素云莲真环荣爱妹瑶璐梦思彤雨萱诗涵可心悦"
)
GIVEN_MALE = list(
    "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰建国庆文博志成康斌毅豪昊轩睿哲晨阳"
)

# Stores of the chain: (name, city, relative size).
STORES = [
    ("上海徐汇店", "上海", 1.4),
    ("北京朝阳店", "北京", 1.3),
    ("广州天河店", "广州", 1.0),
    ("深圳南山店", "深圳", 1.0),
    ("杭州西湖店", "杭州", 0.8),
    ("成都春熙路店", "成都", 0.8),
    ("南京新街口店", "南京", 0.7),
    ("武汉江汉路店", "武汉", 0.7),
]

# Salesperson (导购) display names; logins are generated.
SALESPERSONS = [
    "王晓燕",
    "李娜",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "黄丽",
    "赵磊",
    "吴婷",
    "周杰",
    "徐敏",
    "孙浩",
    "马丽娟",
    "朱琳",
    "胡斌",
    "郭芳",
    "何鹏",
    "林雪",
    "高峰",
    "罗欣",
    "郑凯",
    "梁红",
    "谢宇",
    "宋佳",
]

# Product catalogue: category -> (share of demand, [(product name, price CNY)]).
# Prices include 13% VAT, as shelf prices in China do.
CATALOGUE = [
    (
        "婴幼儿奶粉",
        "Infant formula",
        0.16,
        [
            ("飞鹤星飞帆 婴儿配方奶粉 1段 700g", 358.0),
            ("飞鹤星飞帆 较大婴儿配方奶粉 2段 700g", 338.0),
            ("飞鹤星飞帆 幼儿配方奶粉 3段 700g", 318.0),
            ("君乐宝 优萃有机 婴儿配方奶粉 1段 800g", 298.0),
            ("伊利 金领冠 珍护 婴儿配方奶粉 1段 900g", 329.0),
            ("爱他美 卓萃 婴儿配方奶粉 1段 900g", 408.0),
            ("惠氏 启赋 有机 幼儿配方奶粉 3段 810g", 389.0),
            ("美赞臣 蓝臻 婴儿配方奶粉 1段 820g", 418.0),
        ],
    ),
    (
        "母婴用品",
        "Baby care",
        0.08,
        [
            ("花王 妙而舒 纸尿裤 M 64片", 139.0),
            ("帮宝适 一级帮 拉拉裤 L 44片", 149.0),
            ("贝亲 宽口径 玻璃奶瓶 240ml", 119.0),
            ("好奇 心钻装 婴儿湿巾 80抽x3包", 39.9),
            ("英氏 婴儿米粉 高铁 258g", 68.0),
        ],
    ),
    (
        "服装",
        "Apparel",
        0.20,
        [
            ("纯棉圆领T恤 男款", 99.0),
            ("纯棉圆领T恤 女款", 99.0),
            ("修身牛仔裤 女款", 259.0),
            ("直筒牛仔裤 男款", 269.0),
            ("羽绒服 轻薄款 女款", 599.0),
            ("羽绒服 加厚款 男款", 799.0),
            ("真丝连衣裙", 459.0),
            ("儿童卫衣 套装", 169.0),
            ("运动休闲鞋", 329.0),
            ("羊毛围巾", 199.0),
            ("商务衬衫 男款 长袖", 229.0),
            ("真丝领带 商务款", 159.0),
        ],
    ),
    (
        "食品",
        "Food",
        0.26,
        [
            ("五常大米 5kg", 69.9),
            ("金龙鱼 食用调和油 5L", 79.9),
            ("三只松鼠 每日坚果 750g", 129.0),
            ("良品铺子 零食大礼包", 99.0),
            ("蒙牛 特仑苏 纯牛奶 250ml*12盒", 65.0),
            ("农夫山泉 饮用天然水 550ml*24瓶", 36.0),
            ("稻香村 月饼礼盒", 168.0),
            ("五芳斋 粽子礼盒", 128.0),
            ("坚果炒货 年货礼盒", 238.0),
            ("安井 速冻水饺 1kg", 32.9),
        ],
    ),
    (
        "家居",
        "Home",
        0.14,
        [
            ("全棉四件套 1.8米床", 399.0),
            ("乳胶枕 一对", 269.0),
            ("不锈钢炒锅 32cm", 189.0),
            ("陶瓷餐具 16件套", 229.0),
            ("收纳箱 三件套", 79.0),
            ("加湿器 4L", 199.0),
            ("毛巾 纯棉 3条装", 49.9),
            ("云南白药 牙膏 180g", 29.9),
        ],
    ),
    (
        "美妆",
        "Beauty",
        0.16,
        [
            ("百雀羚 水嫩倍现 护肤套装", 298.0),
            ("珀莱雅 双抗精华 30ml", 309.0),
            ("完美日记 口红", 89.9),
            ("花西子 散粉", 169.0),
            ("自然堂 冰肌水 160ml", 135.0),
            ("薇诺娜 舒敏保湿特护霜 50g", 268.0),
            ("欧莱雅 复颜玻尿酸 面霜 50ml", 329.0),
            ("大宝 SOD蜜 200ml", 19.9),
        ],
    ),
]

# Planted associations (issue 16): an order with the first product gets the
# second one added with this probability (shirts -> ties, formula -> diapers;
# formula is the whole first category), so the cross-sell rules have a known
# answer. And repurchase cycles: this share of the members buys the
# toothpaste every CYCLE_DAYS days (a per-member interval in that range, a
# day or two either side), in an order of its own.
PLANTED = [
    ("商务衬衫 男款 长袖", "真丝领带 商务款", 0.7),
    ("*婴幼儿奶粉", "花王 妙而舒 纸尿裤 M 64片", 0.45),
]
CYCLE_PRODUCT = "云南白药 牙膏 180g"
CYCLE_SHARE = 0.08
CYCLE_DAYS = (25, 35)

VAT_RATE = 13.0  # China's standard VAT rate for goods, included in shelf prices.

# Join channels, by likely selection key (used only when the loyalty addon's
# field exists; keys missing from its selection are ignored), with weights.
JOIN_CHANNELS = [
    ("store", 0.55),
    ("wechat", 0.2),
    ("app", 0.08),
    ("website", 0.05),
    ("ecommerce", 0.05),
    ("social", 0.04),
    ("hotline", 0.03),
]

# Chinese New Year (春节) dates, for seasonality.
CNY = [
    datetime.date(2020, 1, 25),
    datetime.date(2021, 2, 12),
    datetime.date(2022, 2, 1),
    datetime.date(2023, 1, 22),
    datetime.date(2024, 2, 10),
    datetime.date(2025, 1, 29),
    datetime.date(2026, 2, 17),
    datetime.date(2027, 2, 6),
    datetime.date(2028, 1, 26),
    datetime.date(2029, 2, 13),
    datetime.date(2030, 2, 3),
]

# Mobile prefixes (China Mobile / Unicom / Telecom); each is checked with
# phonenumbers.is_valid_number at start-up.
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "193",
    "195",
    "198",
    "199",
]


def _check_copy_safe():
    texts = [s for s, _w in SURNAMES] + GIVEN_FEMALE + GIVEN_MALE + SALESPERSONS
    texts += [s[0] for s in STORES] + [s[1] for s in STORES]
    for cat, en, _share, products in CATALOGUE:
        texts += [cat, en] + [p[0] for p in products]
    bad = [t for t in texts if any(c in t for c in "\t\n\r\\")]
    if bad:
        raise ValueError("datagen_data: unsafe characters in %r" % bad)


_check_copy_safe()

# Complaint subjects (used when the complaints addon is installed).
COMPLAINT_TEXTS = [
    "奶粉罐身凹陷，要求换货",
    "衣服洗后缩水严重",
    "收银员态度不好",
    "会员积分未到账",
    "促销价格与标价不符",
    "食品临近保质期仍在销售",
    "导购推荐的面霜过敏",
    "排队结账时间过长",
    "退货流程太慢",
    "商品缺货，预订未通知",
]
_check_copy_safe()
