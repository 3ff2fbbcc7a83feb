"""Coded values of the member record (RULES.md; GB/T 2261.1, GB 3304, GB/T 4658, GB/T 6864)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):  # GB/T 2261.1
    MALE = "1", _("男")
    FEMALE = "2", _("女")


class Ethnicity(models.TextChoices):  # GB 3304
    HAN = "01", _("汉族")
    MONGOL = "02", _("蒙古族")
    HUI = "03", _("回族")
    TIBETAN = "04", _("藏族")
    UYGHUR = "05", _("维吾尔族")
    MIAO = "06", _("苗族")
    YI = "07", _("彝族")
    ZHUANG = "08", _("壮族")
    BUYEI = "09", _("布依族")
    KOREAN = "10", _("朝鲜族")
    MANCHU = "11", _("满族")
    DONG = "12", _("侗族")
    YAO = "13", _("瑶族")
    BAI = "14", _("白族")
    TUJIA = "15", _("土家族")
    HANI = "16", _("哈尼族")
    KAZAKH = "17", _("哈萨克族")
    DAI = "18", _("傣族")
    LI = "19", _("黎族")
    LISU = "20", _("傈僳族")
    VA = "21", _("佤族")
    SHE = "22", _("畲族")
    GAOSHAN = "23", _("高山族")
    LAHU = "24", _("拉祜族")
    SUI = "25", _("水族")
    DONGXIANG = "26", _("东乡族")
    NAXI = "27", _("纳西族")
    JINGPO = "28", _("景颇族")
    KYRGYZ = "29", _("柯尔克孜族")
    TU = "30", _("土族")
    DAUR = "31", _("达斡尔族")
    MULAO = "32", _("仫佬族")
    QIANG = "33", _("羌族")
    BLANG = "34", _("布朗族")
    SALAR = "35", _("撒拉族")
    MAONAN = "36", _("毛南族")
    GELAO = "37", _("仡佬族")
    XIBE = "38", _("锡伯族")
    ACHANG = "39", _("阿昌族")
    PUMI = "40", _("普米族")
    TAJIK = "41", _("塔吉克族")
    NU = "42", _("怒族")
    UZBEK = "43", _("乌孜别克族")
    RUSSIAN = "44", _("俄罗斯族")
    EWENKI = "45", _("鄂温克族")
    DEANG = "46", _("德昂族")
    BONAN = "47", _("保安族")
    YUGUR = "48", _("裕固族")
    GIN = "49", _("京族")
    TATAR = "50", _("塔塔尔族")
    DERUNG = "51", _("独龙族")
    OROQEN = "52", _("鄂伦春族")
    HEZHEN = "53", _("赫哲族")
    MONBA = "54", _("门巴族")
    LHOBA = "55", _("珞巴族")
    JINO = "56", _("基诺族")
    OTHER = "97", _("其他")
    FOREIGN_ORIGIN = "98", _("外国血统中国籍人士")


class Education(models.TextChoices):  # GB/T 4658-2006, at the level the statistics use
    DOCTORATE = "11", _("博士研究生")
    MASTER = "14", _("硕士研究生")
    BACHELOR = "21", _("大学本科")
    JUNIOR_COLLEGE = "31", _("大学专科")
    SECONDARY_SPECIALIZED = "41", _("中等专科")
    HIGH_SCHOOL = "61", _("普通高中")
    JUNIOR_HIGH = "71", _("初中")
    PRIMARY = "81", _("小学")
    OTHER = "90", _("其他")


class EducationBand(models.TextChoices):
    """The bands of the annual statistics (RULES.md, "Statistics")."""

    POSTGRADUATE = "POSTGRADUATE", _("研究生")
    BACHELOR = "BACHELOR", _("大学本科")
    JUNIOR_COLLEGE = "JUNIOR_COLLEGE", _("大学专科")
    SECONDARY_SPECIALIZED = "SECONDARY_SPECIALIZED", _("中专")
    HIGH_SCHOOL = "HIGH_SCHOOL", _("高中")
    JUNIOR_HIGH_AND_BELOW = "JUNIOR_HIGH_AND_BELOW", _("初中及以下")


EDUCATION_BANDS: dict[str, list[str]] = {
    EducationBand.POSTGRADUATE: [Education.DOCTORATE, Education.MASTER],
    EducationBand.BACHELOR: [Education.BACHELOR],
    EducationBand.JUNIOR_COLLEGE: [Education.JUNIOR_COLLEGE],
    EducationBand.SECONDARY_SPECIALIZED: [Education.SECONDARY_SPECIALIZED],
    EducationBand.HIGH_SCHOOL: [Education.HIGH_SCHOOL],
    EducationBand.JUNIOR_HIGH_AND_BELOW: [
        Education.JUNIOR_HIGH,
        Education.PRIMARY,
        Education.OTHER,
    ],
}


class Degree(models.TextChoices):  # GB/T 6864, first level
    NONE = "", _("无")
    DOCTOR = "2", _("博士")
    MASTER = "3", _("硕士")
    BACHELOR = "4", _("学士")


class Occupation(models.TextChoices):
    """Occupation categories of the party statistics (RULES.md)."""

    WORKER = "WORKER", _("工人(工勤技能人员)")
    FARMER = "FARMER", _("农牧渔民")
    PROFESSIONAL = "PROFESSIONAL", _("专业技术人员")
    MANAGER = "MANAGER", _("企事业单位管理人员")
    OFFICIAL = "OFFICIAL", _("党政机关工作人员")
    STUDENT = "STUDENT", _("学生")
    OTHER = "OTHER", _("其他职业人员")
    RETIRED = "RETIRED", _("离退休人员")


class MemberCategory(models.TextChoices):
    FULL = "FULL", _("正式党员")
    PROBATIONARY = "PROBATIONARY", _("预备党员")


class MemberStatus(models.TextChoices):
    NORMAL = "NORMAL", _("正常")
    MOBILE = "MOBILE", _("流动")
    LOST_CONTACT = "LOST_CONTACT", _("失联")
    ABROAD = "ABROAD", _("出国出境")
    SUSPENDED = "SUSPENDED", _("停止党籍")
    DECEASED = "DECEASED", _("已故")
    LEFT = "LEFT", _("出党")
    TRANSFERRED_OUT = "TRANSFERRED_OUT", _("转出")


# Statuses that end the member's place on a roster: the open membership row closes with the
# matching way of removal (减少方式). A member returns only through a new row (恢复党籍 / 转入).
REMOVING_STATUSES = frozenset(
    {
        MemberStatus.SUSPENDED,
        MemberStatus.DECEASED,
        MemberStatus.LEFT,
        MemberStatus.TRANSFERRED_OUT,
    }
)
ON_ROSTER_STATUSES = frozenset(set(MemberStatus) - REMOVING_STATUSES)


class HowAdded(models.TextChoices):  # 增加方式
    NEWLY_ADMITTED = "NEWLY_ADMITTED", _("新发展")
    TRANSFERRED_IN = "TRANSFERRED_IN", _("转入")
    RESTORED = "RESTORED", _("恢复党籍")
    OTHER = "OTHER", _("其他")


class HowRemoved(models.TextChoices):  # 减少方式
    DIED = "DIED", _("死亡")
    EXPELLED = "EXPELLED", _("开除党籍")
    STRUCK_OFF = "STRUCK_OFF", _("除名")
    LAPSED = "LAPSED", _("自行脱党")
    WITHDREW = "WITHDREW", _("退党")
    PROBATION_CANCELLED = "PROBATION_CANCELLED", _("取消预备党员资格")
    SUSPENDED = "SUSPENDED", _("停止党籍")
    TRANSFERRED_OUT = "TRANSFERRED_OUT", _("转出")
    MOVED_WITHIN = "MOVED_WITHIN", _("本系统内调整")


# Ways of removal that count as 出党 in the annual statistics.
LEAVING_WAYS = frozenset(
    {
        HowRemoved.EXPELLED,
        HowRemoved.STRUCK_OFF,
        HowRemoved.LAPSED,
        HowRemoved.WITHDREW,
        HowRemoved.PROBATION_CANCELLED,
    }
)
STATUS_FOR_REMOVAL = {
    HowRemoved.DIED: MemberStatus.DECEASED,
    HowRemoved.SUSPENDED: MemberStatus.SUSPENDED,
    HowRemoved.TRANSFERRED_OUT: MemberStatus.TRANSFERRED_OUT,
    **{way: MemberStatus.LEFT for way in LEAVING_WAYS},
}


class PositionTitle(models.TextChoices):
    SECRETARY = "SECRETARY", _("书记")
    DEPUTY_SECRETARY = "DEPUTY_SECRETARY", _("副书记")
    COMMITTEE_MEMBER = "COMMITTEE_MEMBER", _("委员")


class ArchiveKind(models.TextChoices):
    CREATED = "CREATED", _("建档")
    UPDATED = "UPDATED", _("信息变更")
    STATUS_CHANGED = "STATUS_CHANGED", _("状态变更")
    MEMBERSHIP_STARTED = "MEMBERSHIP_STARTED", _("编入党组织")
    MEMBERSHIP_ENDED = "MEMBERSHIP_ENDED", _("离开党组织")
    POSITION_STARTED = "POSITION_STARTED", _("任职")
    POSITION_ENDED = "POSITION_ENDED", _("免职")
    CORRECTION = "CORRECTION", _("更正申请")
    CARE = "CARE", _("关怀帮扶")
    COMMENDATION = "COMMENDATION", _("表彰")
    DISCIPLINE = "DISCIPLINE", _("党纪处分")
    TRANSFER = "TRANSFER", _("组织关系转接")
    MOBILE = "MOBILE", _("流动党员")
    CERTIFICATE = "CERTIFICATE", _("电子活动证")
    LIFE_ELSEWHERE = "LIFE_ELSEWHERE", _("异地组织生活")
    FAMILY = "FAMILY", _("家庭成员")
    ABROAD = "ABROAD", _("出国出境")


class AgeBand(models.TextChoices):
    """Age bands of the annual statistics (RULES.md, "Statistics")."""

    UP_TO_30 = "0-30", _("30岁及以下")
    FROM_31 = "31-35", _("31至35岁")
    FROM_36 = "36-40", _("36至40岁")
    FROM_41 = "41-45", _("41至45岁")
    FROM_46 = "46-50", _("46至50岁")
    FROM_51 = "51-55", _("51至55岁")
    FROM_56 = "56-60", _("56至60岁")
    FROM_61 = "61-", _("61岁及以上")

    @property
    def bounds(self) -> tuple[int | None, int | None]:
        low, _sep, high = self.value.partition("-")
        return (int(low) if low != "0" else None, int(high) if high else None)


class FamilyRelation(models.TextChoices):  # 称谓 (the national record's 家庭成员 information set)
    SPOUSE = "SPOUSE", _("配偶")
    FATHER = "FATHER", _("父亲")
    MOTHER = "MOTHER", _("母亲")
    SON = "SON", _("儿子")
    DAUGHTER = "DAUGHTER", _("女儿")
    SIBLING = "SIBLING", _("兄弟姐妹")
    OTHER = "OTHER", _("其他")


class PoliticalStatus(models.TextChoices):
    """政治面貌, by the codes of GB/T 4762-1984 (the eight democratic parties as one entry)."""

    PARTY_MEMBER = "01", _("中共党员")
    PROBATIONARY = "02", _("中共预备党员")
    LEAGUE_MEMBER = "03", _("共青团员")
    DEMOCRATIC_PARTY = "04", _("民主党派成员")
    NON_PARTISAN = "12", _("无党派人士")
    MASSES = "13", _("群众")


class TripPurpose(models.TextChoices):  # 出国（境）事由
    OFFICIAL = "OFFICIAL", _("因公")
    PRIVATE = "PRIVATE", _("因私")
