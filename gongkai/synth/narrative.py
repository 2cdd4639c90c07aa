"""Realistic narrative prose for synthetic open-information annual reports.

Why this exists: detecting text copied between reports (a township re-using last year's
report, or a neighbour's) needs test pairs whose relationship is known, and a demo corpus
needs prose that reads like the real thing. Real township reports are assembled from a
shared stock of officialese, so the same short phrases recur in almost every report, yet
two independently written reports differ as wholes. This module imitates that: every
section is built from a phrase bank with many alternatives per slot (and alternatives
inside the alternatives), filled with the body's name, county, year and numbers. Two
independent reports therefore share phrases but little running text, while
:func:`mutate` makes near-copies with a few words changed.

Every random choice is drawn from the ``random.Random`` passed in (never the global
generator, never the clock), so a seed fixes the text.

Template syntax used in the bank below: ``[a|b|c]`` picks one alternative (alternatives
may contain slots and nested brackets); ``{slot}`` is filled by :class:`_Writer`, freshly
for each occurrence.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

SECTION_KEYS: tuple[str, ...] = (
    "overview", "active_disclosure", "applications", "reviews_litigation", "problems",
    "other_matters",
)

# Target lengths (characters, paragraphs joined by "\n"); the tests hold the generator to them.
OVERVIEW_RANGE = (300, 900)
ACTIVE_RANGE = (80, 400)
PROBLEMS_RANGE = (150, 500)

# ~60 characters common in Chinese place names; two of them make a township name.
PLACE_CHARS = (
    "东西南北新安平和兴隆丰乐泉山桥溪坪岭湾塘集庄店沟铺营寨坝湖石龙凤马"
    "黄白青柳杨桃李梅竹松花田岗峰台阳宁福永城关寺堡园林孟段陈"
)
COUNTIES: tuple[str, ...] = (
    "市中区", "平山县", "永宁县", "安平县", "清河县", "长乐市", "武安市", "定州市",
    "南城区", "临江市", "宁远县", "广丰区", "新华区", "桃源县", "福山区", "兴隆县",
    "宁乡市", "高平市", "东湖区", "石门县", "云溪区", "凤台县",
)
_AREA_CODES: tuple[str, ...] = (
    "0531", "0312", "0915", "0371", "0731", "0851", "0571", "0551", "0791", "0311",
    "0351", "0471", "0898", "0411", "0635", "0536", "023", "029", "027", "025",
)


@dataclass(frozen=True)
class Body:
    """The reporting body: a township (镇/乡) government or a sub-district office (街道)."""

    name: str  # e.g. "孟庄镇人民政府"
    short: str  # e.g. "孟庄镇"
    county: str  # e.g. "市中区"


def random_body(rng: random.Random) -> Body:
    """An invented but plausible township-level body, so demo data names no real office."""
    first, second = rng.sample(PLACE_CHARS, 2)
    kind = rng.choices(("镇", "乡", "街道"), weights=(6, 3, 2))[0]
    short = f"{first}{second}{kind}"
    name = f"{short}办事处" if kind == "街道" else f"{short}人民政府"
    return Body(name=name, short=short, county=rng.choice(COUNTIES))


# --------------------------------------------------------------------------------------
# Phrase bank: overview
# --------------------------------------------------------------------------------------

# Each opener is followed by "，" and two or three guiding clauses.
OPENERS: tuple[str, ...] = (
    "{year}年，{short}政府信息公开工作在{lead}的[正确|坚强]领导下",
    "{year}年，在{lead}的坚强领导和{upper}的[精心|具体]指导下，{we}",
    "{year}年以来，{we}在{lead}的统一部署下",
    "{year}年，根据{upper}的统一安排，{we}",
    "{year}年度，{name}按照{lead}关于政务公开工作的部署要求",
    "{year}年，{we}在{party}的[领导|正确领导]下",
    "{year}年以来，依据《中华人民共和国政府信息公开条例》的有关规定，{we}",
    "{year}年，{short}[紧扣|紧紧围绕]{all}中心工作",
    "{year}年，{we}[深入|认真]贯彻落实{lead}关于全面推进政务公开工作的决策部署",
    "今年以来，{short}在{lead}的正确领导下",
    "{year}年，{name}[坚持|始终坚持]以人民为中心的发展思想",
    "{year}年，按照省、市、{lev}的工作部署和要求，{we}",
)
GUIDES: tuple[str, ...] = (
    "以习近平新时代中国特色社会主义思想为指导",
    "全面贯彻{congress}精神",
    "认真贯彻落实《中华人民共和国政府信息公开条例》",
    "严格执行《中华人民共和国政府信息公开条例》及相关配套制度",
    "坚持“以公开为常态、不公开为例外”[的原则|的工作要求]",
    "按照“应公开、尽公开”的要求",
    "[紧紧围绕|紧扣]{all}中心工作",
    "结合{all}工作实际",
    "积极推进政务公开标准化规范化[建设|工作]",
    "持续深化决策、执行、管理、服务、结果“五公开”",
    "[不断|进一步]拓宽公开渠道、加大公开力度",
    "统一思想，健全机制，拓宽渠道，优化服务",
    "以公开、便民、廉政、高效为基本要求",
    "[扎实|稳步]推进基层政务公开标准化规范化",
    "创新政府信息公开形式，突出政府信息公开重点",
    "不断增强[工作的透明度|政府工作透明度]",
)
GOALS: tuple[str, ...] = (
    "切实保障了人民群众的知情权、参与权、表达权和监督权",
    "为{all}经济社会发展提供了良好的信息环境",
    "有力促进了法治政府和服务型政府建设",
    "政府信息公开工作[取得了新成效|取得了明显成效|迈上了新台阶]",
    "不断提升政府工作透明度和行政效能",
    "较好地发挥了政府信息对人民群众生产、生活和经济社会活动的服务作用",
    "切实提高了政府信息公开工作水平",
    "推动政务公开工作[规范有序开展|取得积极进展]",
    "为群众提供[优质、便捷、高效|更加便捷高效]的服务",
    "进一步增强了政府工作的公信力和执行力",
)
CLOSERS: tuple[str, ...] = (
    "现将{year}年度政府信息公开工作情况报告如下：",
    "现将有关情况报告如下。",
    "现将我{unit}{year}年政府信息公开工作总结如下：",
    "现将本年度工作情况汇报如下：",
    "根据《中华人民共和国政府信息公开条例》要求，特编制本报告。",
    "本报告所列数据统计期限自{year}年1月1日起至{year}年12月31日止。",
    "",
    "",
)


@dataclass(frozen=True)
class Theme:
    """One kind of measure in the overview: headline alternatives and sentence templates."""

    headlines: tuple[str, ...]
    sentences: tuple[str, ...]


THEMES: tuple[Theme, ...] = (
    Theme(  # leadership
        ("加强组织领导，压实工作责任", "强化组织保障，健全工作机制",
         "提高思想认识，加强组织领导", "加强领导，工作机制逐步完善"),
        ("{we}高度重视政府信息公开工作，成立了由{head}任组长、[{deputy}|{office}主任]任"
         "副组长、各{dept}负责人为成员的政务公开工作领导小组，[领导小组下设办公室，办公室设在"
         "{office}|明确{office}为政务公开工作的具体承办机构|落实专人负责信息的收集、审核和发布]。",
         "将政府信息公开工作纳入[重要议事日程|年度重点工作|目标责任考核体系]，[先后{n2}次|定期]"
         "召开专题会议研究部署，及时解决工作中遇到的困难和问题。",
         "坚持主要领导亲自抓、分管领导具体抓、{office}负责抓落实的工作机制，形成了一级抓一级、"
         "层层抓落实的工作格局。",
         "及时调整充实政务公开工作领导小组成员，明确{n1}名工作人员具体负责政府信息的收集、"
         "整理、审核和发布[工作|事宜]，确保信息公开工作有人管、有人做。",
         "按照“谁制作、谁公开，谁获取、谁公开”的原则，明确各{dept}的公开职责，"
         "做到分工明确、责任到人。"),
    ),
    Theme(  # rules and procedures
        ("健全制度，规范运行", "完善制度建设，规范公开流程", "建章立制，夯实工作基础"),
        ("建立健全政务公开[责任、审议、评议、反馈、审查和监督|发布审核、考核评议、"
         "责任追究]等制度，确保信息公开工作有章可循。",
         "逐步建立并完善了信息公开申请受理、发布协调、监督检查、投诉处置、结果反馈、"
         "责任追究等一系列制度[，使信息公开工作步入规范化、制度化轨道|]。",
         "严格执行信息发布“三审三校”制度，[做到先审后发、未经审核不得发布|所有信息经经办人"
         "初审、分管领导复审、主要领导终审后方可发布]。",
         "及时更新{short}政府信息公开指南和政府信息公开目录，[方便群众查询和获取政府信息|"
         "确保指南内容与实际工作相一致]。",
         "将政务公开工作纳入各{dept}年度绩效考核，考核结果与评先评优挂钩。",
         "严格落实行政规范性文件合法性审核[和统一发布|及备案审查]制度，[做到应公开尽公开|"
         "确保文件内容合法合规]。"),
    ),
    Theme(  # key content
        ("突出重点，公开质量逐步提高", "聚焦重点领域，深化信息公开", "围绕中心工作，突出公开重点"),
        ("坚持把群众最关心、最需要了解的事项作为公开重点，[及时|主动]公开{topics}等信息。",
         "[重点|着力]做好{topics}等重点领域信息公开，切实回应群众关切。",
         "针对公开项目的不同情况确定公开时间，做到常规性工作定期公开，临时性工作随时公开，"
         "固定性工作长期公开。",
         "围绕{center}等中心工作，及时发布工作动态和通知公告[，营造良好舆论氛围|]。",
         "严格落实“五公开”要求，将公开贯穿于决策、执行、管理、服务、结果全过程。",
         "主动公开{topics}等与群众切身利益密切相关的信息，[自觉|主动]接受群众监督。"),
    ),
    Theme(  # channels and platforms
        ("用好公开载体，拓宽公开渠道", "加强平台建设，提升公开实效", "创新公开形式，丰富公开载体"),
        ("充分利用{platform}、{short}微信公众号、[{board}|政务公开栏]等载体，"
         "[及时发布政府信息|多渠道发布政务信息]，方便群众查阅。",
         "在便民服务中心设立政府信息查阅点，放置[办事指南|政策汇编]、宣传手册等资料，"
         "供群众免费取阅。",
         "加强政务新媒体规范管理，[对所属政务新媒体账号开展全面排查|关停整合“僵尸”政务新媒体"
         "账号{n1}个|落实政务新媒体内容审核和日常巡查制度]，确保政务新媒体健康有序发展。",
         "按照政府网站集约化建设要求，做好{county}政府网站{short}栏目的内容保障，"
         "栏目信息[及时更新、准确规范|更新及时、内容准确]。",
         "在{villages}设立政务公开栏{n10}处，定期更新公开内容，打通政府信息公开“最后一公里”。",
         "通过召开[院坝会|村民代表大会|群众会]、入户走访等形式宣传惠民政策，"
         "[扩大信息覆盖面|提高群众知晓率]。",
         "设立投诉信箱、监督电话，畅通12345热线诉求渠道，[专门|及时]受理群众投诉和咨询。"),
    ),
    Theme(  # interpretation and response
        ("强化政策解读，积极回应关切", "做好解读回应，增进社会认同", "加强政策解读，回应社会关切"),
        ("坚持政策文件与解读方案同步起草、同步审签、同步发布，全年发布政策解读{n10}篇。",
         "采取图文解读、问答解读、[视频解读|一图读懂]等多种形式，对{policy}等政策进行"
         "通俗易懂的解读。",
         "认真办理12345热线交办件{n100}件，[按时办结率100%|均在规定时限内办结]，"
         "群众满意度明显提升。",
         "充分发挥[宣传车、文艺宣传队和宣传手册|村广播、宣传标语和明白卡]的作用，"
         "大力开展各项惠民惠农政策宣传。",
         "对群众关注的热点问题[及时|主动]进行回应，做到解疑释惑、回应关切。"),
    ),
    Theme(  # confidentiality review
        ("严格审查把关，确保信息安全", "落实保密审查，规范发布流程", "坚持先审后发，严把信息质量"),
        ("严格按照“先审查、后公开”和“一事一审”的原则，对拟公开的政府信息进行保密审查，"
         "确保公开信息不危及国家安全、公共安全、经济安全和社会稳定。",
         "坚持“三安全一稳定”原则，[严格落实|认真执行]信息发布保密审查制度，杜绝泄密事件发生。",
         "在公开涉及个人信息的内容时，对{privacy}等个人隐私信息进行去标识化处理，"
         "防止泄露个人隐私。",
         "组织开展政府网站历史信息排查，对[过期失效|涉及个人隐私|表述不规范]的信息及时"
         "进行清理[和整改|]。",
         "做到应公开的全部公开，要保密的绝不泄密，积极稳妥公开政府信息。"),
    ),
    Theme(  # training and supervision
        ("加强业务培训，提升队伍素质", "强化监督考核，确保工作实效", "加强监督保障，推动工作落实"),
        ("组织信息公开工作人员参加[{lev}级|上级]政务公开业务培训{n2}次，进一步提升了工作人员的"
         "业务能力。",
         "积极参加{county}组织的政务公开专题培训，围绕信息公开保密审查、依申请公开办理等"
         "内容进行交流学习。",
         "把监督作为政府信息公开的关键环节，及时公开监督电话，主动接受群众和社会各界的监督。",
         "根据第三方机构测评、日常考核和年度考评情况，不断开展自查整改，"
         "着力提升政务公开质量和实效。",
         "定期对各{dept}信息公开情况进行[督查通报|检查通报]，对发现的问题督促限期整改。"),
    ),
    Theme(  # requests for information
        ("规范依申请公开，保障群众权益", "畅通申请渠道，依法依规答复"),
        ("进一步规范依申请公开受理、登记、办理、答复等流程，确保在法定期限内依法依规答复。",
         "畅通当面、信函、网络等申请渠道，在政府信息公开指南中明确受理机构、"
         "[办公地址和联系方式|办理流程和时限]。",
         "对涉及第三方权益的申请，严格按照规定书面征求第三方意见[，依法作出答复|]。"),
    ),
)
TOPICS: tuple[str, ...] = (
    "财政预决算", "“三公”经费", "社会救助", "安全生产", "惠农补贴", "征地补偿", "人事任免",
    "重大项目建设", "生态环境保护", "低保五保", "教育医疗", "就业创业", "农村危房改造",
    "耕地保护", "食品药品安全", "城乡建设",
)
POLICIES: tuple[str, ...] = (
    "惠民惠农补贴", "城乡居民医疗保险", "耕地地力保护补贴", "城乡居民养老保险",
    "农村低保", "退役军人优待", "秸秆禁烧",
)
PRIVACY: tuple[str, ...] = ("身份证号码", "银行账号", "联系电话", "家庭住址")

# --------------------------------------------------------------------------------------
# Phrase bank: proactive disclosure, requests, reviews
# --------------------------------------------------------------------------------------

# How reports state the number of items proactively disclosed; "{n}" is the number.
COUNT_PHRASES: tuple[str, ...] = (
    "共公开政府信息{n}条",
    "共计公开各类政府信息{n}条",
    "主动公开政府信息{n}条",
    "累计发布政务信息{n}条",
    "发布各类政府信息{n}条",
    "主动公开各类信息共计{n}条",
    "公开政府信息共{n}条",
    "累计公开政务信息{n}条",
)
CHANNELS: tuple[str, ...] = (
    "政府网站", "{county}政府信息公开平台", "政务公开栏", "微信公众号", "政务新媒体",
    "{board}", "便民服务中心电子屏", "政务公开专栏",
)
CATEGORIES: tuple[str, ...] = (
    "工作动态", "通知公告", "政策文件", "政策解读", "人事信息", "财政资金信息",
    "重点领域信息", "办事指南",
)
ACTIVE_EXTRAS: tuple[str, ...] = (
    "[本年度{we}[未制发|没有制发]行政规范性文件，也未制定规章。|全年制发行政规范性文件{n1}件，"
    "均按规定在政府网站集中公开。]",
    "同时，[做好|认真做好]政策解读工作，发布政策解读材料{n10}篇。",
    "通过{board}公开各类信息{n10}期，[方便群众查阅|群众知晓率明显提高]。",
    "主动公开的信息[内容全面、更新及时|涵盖{topics}等方面]。",
    "对于[行政许可|行政处罚|行政事业性收费]等事项，按照《条例》第二十条的规定"
    "在政府网站予以公开。",
    "具体数据详见下表。",
    "[及时|按时]办结12345[政府|便民]热线交办件和政府网站在线咨询[交办件|留言]。",
)
ACTIVE_NO_COUNT: tuple[str, ...] = (
    "{year}年，{we}通过{channels}及时主动公开政府信息，[内容涵盖|重点公开]{topics}等方面。",
    "本年度，{we}坚持[以公开为常态、不公开为例外|应公开尽公开]，依托{channels}主动公开"
    "{topics}等政府信息。",
)
APPLICATIONS: tuple[str, ...] = (
    "本年度，{we}未收到政府信息公开申请。",
    "本年度{short}没有收到任何形式的依申请公开政府信息申请件。",
    "{year}年，{we}共收到政府信息公开申请{n1}件，[均已在法定期限内办结答复|已全部按期答复]。",
    "全年共受理依申请公开{n1}件，[均为网络申请|均为当面申请|均为信函申请]，"
    "[均依法依规予以答复|均按时办结]。",
    "{year}年度{we}无依申请公开政府信息情况。",
    "本年度未收到公民、法人或其他组织提出的政府信息公开申请。",
)
APPLICATION_EXTRAS: tuple[str, ...] = (
    "{we}严格按照《条例》规定的程序和时限办理依申请公开事项，[确保答复及时、规范|"
    "切实保障申请人的合法权益]。",
    "[依申请公开受理渠道畅通|受理机构、地址和联系方式已在政府信息公开指南中公布]。",
    "",
    "",
)
REVIEWS: tuple[str, ...] = (
    "本年度未发生因政府信息公开引起的行政复议、行政诉讼案件。",
    "{year}年，{we}未发生涉及政府信息公开的行政复议和行政诉讼。",
    "本年度无政府信息公开行政复议、行政诉讼情况。",
    "无。",
    "{year}年度，{we}没有因政府信息公开被申请行政复议或提起行政诉讼的情况。",
    "本年度收到涉及政府信息公开的行政复议申请1件，经复议维持原行政行为；未发生行政诉讼案件。",
)

# --------------------------------------------------------------------------------------
# Phrase bank: problems and improvements
# --------------------------------------------------------------------------------------

PROBLEM_INTROS: tuple[str, ...] = (
    "虽然{we}政府信息公开工作取得了一定成效，但也[还存在一些不足|存在一些问题]，主要表现在：",
    "在当前工作中，我们也认识到自身存在的不足，[主要问题和困难有|主要是]：",
    "{year}年，{we}政府信息公开工作[虽然|尽管]取得了一定成绩，但[与群众期盼相比|对照上级要求]"
    "仍存在一些差距：",
    "存在的主要问题：",
    "政务公开工作较去年取得了一定成绩，但也存在一些问题：",
    "对照《条例》和上级考核要求，{we}信息公开工作还存在以下不足：",
    "{we}政府信息公开工作还存在一些薄弱环节：",
    "[回顾|总结]{year}年工作，[仍|还]存在以下问题：",
)
PROBLEMS: tuple[str, ...] = (
    "信息公开主动性不强，部分信息公开不够及时",
    "工作机制还不够健全，因工作人员紧缺，还没有形成专门的机构和人员",
    "对信息的载体、分类的细化尚有待进一步明确",
    "信息公开的规范性、完整性有待进一步提高",
    "信息公开的宣传力度[仍有待加强|还不够大]",
    "政府信息公开获取渠道有限，与各{dept}的沟通协调还不够",
    "工作人员业务水平参差不齐，培训工作还有待加强",
    "政策解读形式较为单一，解读的针对性和实效性不强",
    "部分栏目信息更新不够及时，存在“空白栏目”现象",
    "公开内容不够全面，重点领域信息公开的深度和广度有待拓展",
    "政务新媒体运营管理不够规范，互动回应能力较弱",
    "工作人员对依申请公开的办理流程掌握不够熟练",
    "群众参与度不高，对政府信息公开的知晓率有待提升",
    "信息发布前的审核把关还不够严格，个别信息存在表述不规范的问题",
    "公开栏等线下载体更新不及时，部分内容流于形式",
    "政府信息公开目录有待补充完善，内容有待甄别规范",
    "主动回应社会关切的意识不够强",
)
IMPROVE_INTROS: tuple[str, ...] = (
    "下一步，{we}将[重点|着力]做好以下工作：",
    "针对以上问题，{we}将采取以下措施加以改进：",
    "在今后工作中，{we}将坚持问题导向，[重点|着力]抓好以下几点：",
    "{next}年，{we}将[继续|进一步]深入贯彻{lead}关于政务公开工作的部署：",
    "改进措施：",
    "针对这些问题，我们制定了具体的改进措施：",
    "下一步，我们将[认真|切实]整改，[努力|着力]提升政务公开工作水平：",
    "为进一步做好政府信息公开工作，{we}将从以下方面加以改进：",
)
IMPROVEMENTS: tuple[str, ...] = (
    "加强工作人员的业务培训，提高信息公开人员的业务素质和工作能力",
    "进一步加大宣传力度，让更多群众了解和参与政府信息公开工作",
    "[完善|健全]公开制度，在深化完善和巩固提高上下功夫，确保信息公开工作正常运行",
    "拓宽获取信息渠道，积极与各{dept}沟通协调，确保信息公开及时完善",
    "严格审核把关，正确把握涉密信息和敏感信息，做到应公开尽公开",
    "把政府信息公开工作纳入重要议事日程，压实责任，配齐工作力量",
    "加强政策解读，[丰富|创新]解读形式，提高解读质量",
    "加强政府网站和政务新媒体管理，确保栏目信息及时更新",
    "进一步规范依申请公开办理流程，确保依法依规按时答复",
    "对原有信息进行梳理，补充完善政府信息公开目录",
    "定期对信息公开工作进行自查，发现问题及时整改",
    "充分利用公开栏、微信公众号等载体，扩大政府信息公开覆盖面",
    "按照“以公开为原则，不公开为例外”的要求，做好公开和不予公开信息的界定",
    "加强调研和分析，及时掌握群众关心的热点和焦点问题，积极回应社会关切",
    "增强工作人员的责任意识，确保公开信息的完整率和更新率",
    "严格落实保密审查制度，确保公开信息不危及“三安全一稳定”",
)

# --------------------------------------------------------------------------------------
# Phrase bank: other matters (processing fees, contact phone)
# --------------------------------------------------------------------------------------

NOTHING_ELSE: tuple[str, ...] = (
    "无", "无。", "本年度无其他需要报告的事项。", "{year}年度无其他需要报告的事项。",
    "本机关无其他需要报告的事项。",
)
# (template, fee stated): "{fee}" is the amount; without it the template means 0 yuan.
FEE_SENTENCES: tuple[str, ...] = (
    "本年度未收取信息处理费。",
    "本年度共收取信息处理费0元。",
    "{year}年，{we}未收取政府信息公开信息处理费。",
    "依据《政府信息公开信息处理费管理办法》，本年度收取信息处理费{fee}元。",
    "按照《政府信息公开信息处理费管理办法》规定，本年度共收取信息处理费{fee}元。",
)
PHONE_SENTENCES: tuple[str, ...] = (
    "联系电话：{phone}",
    "咨询电话：{phone}",
    "如对本报告有任何疑问，请与{name}联系{phone}。",
    "政务公开信息如有相关疑问，请联系{name}{phone}。",
    "受理机构：{office}，联系电话：{phone}。",
)

_ALTERNATIVE = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")
_CN_NUMERALS = "一二三四五六七八九十"


def _unit(body: Body) -> str:
    """镇, 乡 or 街道: what the body calls itself (我镇, 全乡, 我街道)."""
    for kind in ("街道", "乡", "镇"):
        if body.short.endswith(kind):
            return kind
    return "镇"


class _Writer:
    """Fills templates for one report; every random choice comes from ``rng``."""

    def __init__(self, body: Body, year: int, rng: random.Random) -> None:
        self.body, self.year, self.rng = body, year, rng
        unit = _unit(body)
        lev = body.county[-1] if body.county[-1:] in ("县", "区", "市") else "县"
        self.unit, self.lev = unit, lev
        head = {"镇": "镇长", "乡": "乡长", "街道": "办事处主任"}[unit]
        party = "街道党工委、办事处" if unit == "街道" else f"{unit}党委、{unit}政府"
        villages = ("各社区",) if unit == "街道" else ("各村（社区）", "各村", "各行政村")
        congress = "党的二十大" if year >= 2023 else "党的十九大和十九届历次全会"
        centers = ["人居环境整治", "安全生产", "防汛救灾", "基层治理"]
        centers += ["乡村振兴"] if year >= 2018 else []
        centers += ["脱贫攻坚"] if year <= 2020 else ["巩固拓展脱贫攻坚成果"]
        centers += ["疫情防控"] if 2020 <= year <= 2022 else []
        pick = rng.choice
        self.slots: dict[str, Callable[[], str]] = {
            "year": lambda: str(year),
            "next": lambda: str(year + 1),
            "short": lambda: body.short,
            "name": lambda: body.name,
            "county": lambda: body.county,
            "unit": lambda: unit,
            "lev": lambda: lev,
            "we": lambda: pick((f"我{unit}", f"我{unit}", body.short)),
            "all": lambda: f"全{unit}",
            "lead": lambda: pick((f"{lev}委{lev}政府", f"{lev}委、{lev}政府",
                                  f"{lev}委、{lev}人民政府")),
            "upper": lambda: pick((f"{lev}政府办公室", f"{lev}政务公开办公室",
                                   f"{lev}政务服务管理局", "上级主管部门")),
            "party": lambda: party,
            "head": lambda: head,
            "deputy": lambda: "分管副主任" if unit == "街道" else f"分管副{head}",
            "dept": lambda: pick(("站所", "办公室", "科室", "部门")),
            "villages": lambda: pick(villages),
            "board": lambda: "社区公开栏" if unit == "街道" else "村务公开栏",
            "office": lambda: pick(("党政办", "党政综合办公室", "党政办公室")),
            "platform": lambda: pick((f"{body.county}人民政府网站", f"{body.county}政府门户网站",
                                      "政府信息公开专栏")),
            "topics": lambda: "、".join(rng.sample(TOPICS, rng.randint(3, 5))),
            "center": lambda: "、".join(rng.sample(centers, 2)),
            "policy": lambda: "、".join(rng.sample(POLICIES, 2)),
            "privacy": lambda: "、".join(rng.sample(PRIVACY, 3)),
            "channels": lambda: self.channels(),
            "congress": lambda: congress,
            "n1": lambda: str(rng.randint(1, 3)),
            "n2": lambda: str(rng.randint(2, 6)),
            "n10": lambda: str(rng.randint(8, 60)),
            "n100": lambda: str(rng.randint(40, 400)),
        }

    def fill(self, template: str, **extra: str) -> str:
        """Resolve ``[a|b]`` alternatives, then ``{slot}`` fills (``extra`` wins)."""
        text = template
        while "[" in text:  # innermost first, so alternatives may nest
            text = _ALTERNATIVE.sub(lambda m: self.rng.choice(m.group(1).split("|")), text)

        def slot(match: re.Match[str]) -> str:
            key = match.group(1)
            return extra[key] if key in extra else self.slots[key]()

        return _SLOT.sub(slot, text)

    def choose(self, bank: Sequence[str], **extra: str) -> str:
        """One template of ``bank``, filled."""
        return self.fill(self.rng.choice(bank), **extra)

    def channels(self) -> str:
        """'政府网站、政务公开栏等渠道': two or three channels of disclosure."""
        chosen = self.rng.sample(CHANNELS, self.rng.randint(2, 3))
        return self.fill("、".join(chosen) + "等[渠道|载体|平台]")

    def numbered(self, style: str, index: int, text: str) -> str:
        """A headline or item numbered the way the report numbers them."""
        numeral = _CN_NUMERALS[index] if index < len(_CN_NUMERALS) else str(index + 1)
        if style == "paren":
            return f"（{numeral}）{text}"
        if style == "shi":
            return f"{numeral}是{text}"
        return text


def _number_text(n: int, rng: random.Random) -> str:
    """Large counts are sometimes printed with a thousands comma (1,205), as reports do."""
    return f"{n:,}" if n >= 1000 and rng.random() < 0.4 else str(n)


def _count_sentence(w: _Writer, n_text: str) -> str:
    """The sentence stating how many items were proactively disclosed."""
    rng = w.rng
    time = w.fill("[{year}年|本年度|{year}年度|全年]")
    count = w.fill(rng.choice(COUNT_PHRASES), n=n_text)
    verb = rng.choice(("通过", "依托", "利用"))
    return f"{time}，{w.fill('{we}')}{verb}{w.channels()}{count}"


def _breakdown(w: _Writer, n: int) -> str:
    """'其中工作动态120条、通知公告36条': a split of the total into two or three categories."""
    rng = w.rng
    if n < 20:
        return ""
    names = rng.sample(CATEGORIES, rng.randint(2, 3))
    left, parts = n, []
    for name in names:
        share = rng.randint(1, max(1, left // 2))
        parts.append(f"{name}{share}条")
        left -= share
    return "，其中" + "、".join(parts)


def _overview(w: _Writer, count_text: str | None) -> str:
    """Opening paragraph (time, leadership, guiding clauses, goal) and numbered measures."""
    rng = w.rng
    # Guiding clauses keep the bank's order: the ideology comes first, as in real reports.
    picked = sorted(rng.sample(range(len(GUIDES)), rng.randint(2, 3)))
    guides = [w.fill(GUIDES[i]) for i in picked]
    opener = rng.choice(OPENERS)
    # An opener ending in its subject ("…，我镇") runs straight into the first clause.
    glue = "" if opener.endswith("{we}") else "，"
    opening = w.fill(opener) + glue + "，".join([*guides, w.choose(GOALS)])
    opening += "。" + w.choose(CLOSERS)

    style = rng.choice(("paren", "paren", "shi", "plain"))
    themes = rng.sample(THEMES, len(THEMES))
    # Each measure paragraph: [headline, sentence, sentence, ...].
    blocks: list[list[str]] = []
    if count_text is not None:
        blocks.append([w.fill("[主动公开，信息发布及时准确|加大公开力度，公开数量稳步提升]"),
                       _count_sentence(w, count_text) + "。"])

    def add_theme() -> None:
        theme = themes.pop()
        k = rng.randint(1, min(3, len(theme.sentences)))
        chosen = sorted(rng.sample(range(len(theme.sentences)), k))  # keep the bank's order
        blocks.append([rng.choice(theme.headlines), *(w.fill(theme.sentences[i]) for i in chosen)])

    def render() -> str:
        paragraphs = [opening]
        for i, block in enumerate(blocks):
            paragraphs.append(w.numbered(style, i, block[0] + "。") + "".join(block[1:]))
        return "\n".join(paragraphs)

    for _ in range(rng.randint(3, 5)):
        add_theme()
    low, high = OVERVIEW_RANGE
    while len(render()) < low and themes:
        add_theme()
    fixed = 1 if count_text is not None else 0  # the count paragraph stays
    while len(render()) > high and len(blocks) > fixed:
        longest = max(blocks[fixed:], key=lambda b: sum(map(len, b)))
        if len(longest) > 2:
            longest.pop()
        else:
            blocks.remove(longest)
    return render()


def _active_disclosure(w: _Writer, count_text: str | None, n: int | None) -> str:
    """The count of items disclosed (when there is one) and a few related remarks."""
    rng = w.rng
    if count_text is None or n is None:
        parts = [w.choose(ACTIVE_NO_COUNT)]
    else:
        parts = [_count_sentence(w, count_text) + _breakdown(w, n) + "。"]
    extras = rng.sample(ACTIVE_EXTRAS, rng.randint(1, 3))
    parts += [w.fill(e) for e in extras]
    low, high = ACTIVE_RANGE
    spare = [e for e in ACTIVE_EXTRAS if e not in extras]
    rng.shuffle(spare)
    while len("".join(parts)) < low and spare:
        parts.append(w.fill(spare.pop()))
    while len("".join(parts)) > high and len(parts) > 1:
        parts.pop()
    return "".join(parts)


def _applications(w: _Writer) -> str:
    """Township reports mostly say 'no requests' or 'n requests, all answered in time'."""
    return w.choose(APPLICATIONS) + w.choose(APPLICATION_EXTRAS)


def _problems(w: _Writer) -> str:
    """Problems, then improvements, each enumerated (一是…；二是…) under an intro."""
    rng = w.rng
    style = rng.choice(("shi", "shi", "paren", "plain"))
    seps = (rng.choice(("；", "。")), rng.choice(("；", "。")))
    joiner = rng.choice(("\n", "\n", ""))
    intros = (w.choose(PROBLEM_INTROS), w.choose(IMPROVE_INTROS))
    problems = [w.fill(p) for p in rng.sample(PROBLEMS, rng.randint(2, 3))]
    picked = rng.sample(IMPROVEMENTS, rng.randint(2, 4))
    improvements = [w.fill(p) for p in picked]

    def listing(items: list[str], sep: str) -> str:
        if style == "plain":
            return "；".join(items) + "。"
        return sep.join(w.numbered(style, i, item) for i, item in enumerate(items)) + "。"

    def render() -> str:
        return (intros[0] + listing(problems, seps[0]) + joiner
                + intros[1] + listing(improvements, seps[1]))

    low, high = PROBLEMS_RANGE
    spare = [p for p in IMPROVEMENTS if p not in picked]
    rng.shuffle(spare)
    while len(render()) < low and spare:
        improvements.append(w.fill(spare.pop()))
    while len(render()) > high and len(improvements) > 1:
        improvements.pop()
    while len(render()) > high and len(problems) > 1:
        problems.pop()
    return render()


def _phone(rng: random.Random) -> tuple[str, str]:
    """(as printed, digits and hyphen as printed): '(0312)2622317' -> '03122622317'."""
    area = rng.choice(_AREA_CODES)
    digits = 8 if len(area) == 3 else rng.choice((7, 8))
    local = str(rng.randint(2, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(digits - 1))
    printed = rng.choice((f"{area}-{local}", f"{area}-{local}", f"({area}){local}",
                          f"（{area}-{local}）", f"（{area}）{local}"))
    return printed, re.sub(r"[^\d-]", "", printed)


def _other_matters(w: _Writer) -> tuple[str, str | None, float | None]:
    """The text, the contact phone stated (or None), the processing fee stated (or None)."""
    rng = w.rng
    mode = rng.choices(("none", "fee", "phone", "both"), weights=(35, 25, 20, 20))[0]
    if mode == "none":
        return w.choose(NOTHING_ELSE), None, None
    parts: list[str] = []
    phone: str | None = None
    fee: float | None = None
    if mode in ("fee", "both"):
        template = rng.choice(FEE_SENTENCES)
        if "{fee}" in template:
            amount = rng.choice((0, 0, 10, 20, 35.5, 50, 120, 200, 300))
            fee_text = f"{amount:.2f}" if isinstance(amount, float) else str(amount)
            fee = float(amount)
            parts.append(w.fill(template, fee=fee_text))
        else:
            fee = 0.0
            parts.append(w.fill(template))
    if mode in ("phone", "both"):
        printed, phone = _phone(rng)
        template = rng.choice(PHONE_SENTENCES)
        if printed[0] not in "(（" and "{name}{phone}" in template:
            printed = f"（{printed}）"  # a number after a name is always bracketed
        parts.append(w.fill(template, phone=printed))
    return "\n".join(parts), phone, fee


def report_narrative(
    body: Body, year: int, rng: random.Random,
) -> tuple[dict[str, str], dict[str, object]]:
    """Narrative sections of one report and the facts they state, so tests can check extraction.

    The facts are ``items_disclosed`` (int or None), ``contact_phone`` (digits and hyphen
    as printed, or None) and ``processing_fee_yuan`` (float; 0.0 for 未收取; None when the
    report says nothing about fees).
    """
    w = _Writer(body, year, rng)
    items: int | None = None
    count_text: str | None = None
    if rng.random() < 0.9:
        items = rng.choice((rng.randint(20, 400), rng.randint(100, 1200), rng.randint(800, 2600)))
        count_text = _number_text(items, rng)
    in_overview = count_text is not None and rng.random() < 0.3
    sections = {
        "overview": _overview(w, count_text if in_overview else None),
        "active_disclosure": _active_disclosure(w, count_text, items),
        "applications": _applications(w),
        "reviews_litigation": w.choose(REVIEWS),
        "problems": _problems(w),
    }
    other, phone, fee = _other_matters(w)
    sections["other_matters"] = other
    facts: dict[str, object] = {
        "items_disclosed": items, "contact_phone": phone, "processing_fee_yuan": fee,
    }
    return {key: sections[key] for key in SECTION_KEYS}, facts


def section_texts(body: Body, year: int, rng: random.Random) -> dict[str, str]:
    """Narrative text per section (paragraphs separated by newlines), without the facts."""
    return report_narrative(body, year, rng)[0]


# --------------------------------------------------------------------------------------
# Near-copies
# --------------------------------------------------------------------------------------

# Synonym-like substitutions a copier makes; every replacement differs from its key.
SUBSTITUTIONS: dict[str, tuple[str, ...]] = {
    "加强": ("强化", "加大"), "强化": ("加强",), "进一步": ("持续", "不断"),
    "认真": ("切实", "扎实"), "切实": ("认真", "有效"), "工作": ("事务",),
    "及时": ("按时", "迅速"), "积极": ("主动",), "主动": ("积极",), "全面": ("全力",),
    "不断": ("持续",), "完善": ("健全",), "健全": ("完善",), "提高": ("提升",),
    "提升": ("提高",), "规范": ("标准",), "群众": ("百姓", "居民"), "重点": ("核心",),
    "深入": ("深化",), "推进": ("推动",), "推动": ("推进",), "开展": ("实施",),
    "确保": ("保证",), "保障": ("保证",), "落实": ("执行",), "高度重视": ("十分重视",),
    "渠道": ("途径",), "形式": ("方式",), "载体": ("平台",), "水平": ("能力",),
    "明显": ("显著",), "问题": ("不足",), "宣传": ("宣讲",), "培训": ("学习",),
    "公开栏": ("公示栏",), "政府网站": ("门户网站",), "微信公众号": ("政务微信",),
    "全年": ("年内",), "本年度": ("今年", "全年"), "共计": ("累计",), "各类": ("各项",),
    "严格": ("从严",), "有效": ("有力",), "领导": ("指导",), "制度": ("机制",),
    "扎实": ("稳步",), "稳步": ("扎实",), "及时更新": ("定期更新",), "力度": ("强度",),
}
_SUB_KEYS = sorted(SUBSTITUTIONS, key=len, reverse=True)
_NUMBER = re.compile(r"\d+")
_FALLBACK_WORDS = tuple(sorted({v for vs in SUBSTITUTIONS.values() for v in vs}))


def _is_cjk(ch: str) -> bool:
    """Whether ``ch`` is a common Chinese character (fallback changes touch only those)."""
    return "\u4e00" <= ch <= "\u9fff"


def _changed_number(digits: str, rng: random.Random) -> str:
    """A different number of similar size (1800 -> 1765), keeping leading-zero width."""
    value = int(digits)
    spread = max(3, value // 10)
    new = value
    while new == value or new < 0:
        new = value + rng.randint(-spread, spread)
    text = str(new)
    return text.zfill(len(digits)) if digits.startswith("0") else text


def mutate(text: str, n_changes: int, rng: random.Random) -> str:
    """A copy of ``text`` with ``n_changes`` words or numbers changed, the rest byte-identical.

    Why: copied reports are rarely verbatim; the copier changes the name, the year, a
    number, a few words. Candidates are words of the substitution table (longest match,
    left to right) and numbers; ``n_changes`` of them are picked at random. When the text
    has fewer candidates, pairs of Chinese characters elsewhere are replaced by table
    words. Each change alters at least one character.
    """
    if n_changes <= 0 or not text:
        return text
    spans: list[tuple[int, int, str]] = []  # (start, end, replacement kind)
    numbers = {m.start(): m.end() for m in _NUMBER.finditer(text)}
    i = 0
    while i < len(text):
        if i in numbers:
            spans.append((i, numbers[i], "number"))
            i = numbers[i]
            continue
        key = next((k for k in _SUB_KEYS if text.startswith(k, i)), None)
        if key is not None:
            spans.append((i, i + len(key), "word"))
            i += len(key)
        else:
            i += 1
    chosen = rng.sample(spans, min(n_changes, len(spans)))
    replacements: list[tuple[int, int, str]] = []
    for start, end, kind in chosen:
        old = text[start:end]
        new = _changed_number(old, rng) if kind == "number" else rng.choice(SUBSTITUTIONS[old])
        replacements.append((start, end, new))

    missing = n_changes - len(replacements)
    if missing > 0:
        taken = [(s, e) for s, e, _ in replacements]
        free = [j for j in range(len(text) - 1)
                if _is_cjk(text[j]) and _is_cjk(text[j + 1])
                and all(j + 2 <= s or j >= e for s, e in taken)]
        rng.shuffle(free)
        for j in free:
            if missing == 0:
                break
            if any(j + 2 > s and j < e for s, e in taken):
                continue
            old = text[j:j + 2]
            new = rng.choice([word for word in _FALLBACK_WORDS if word != old])
            replacements.append((j, j + 2, new))
            taken.append((j, j + 2))
            missing -= 1

    out: list[str] = []
    last = 0
    for start, end, new in sorted(replacements):
        out.append(text[last:start])
        out.append(new)
        last = end
    out.append(text[last:])
    return "".join(out)
