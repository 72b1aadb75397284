// labels.js -- the Chinese name of every code the workbench shows a person:
// the one table of them.  The JSON API and the CSV exports keep the codes
// (programs read them); only the page shows these names, through label().
// A code missing here is shown as itself.
//
// Groups named like an enum of core/cb_record.c (sym_lead_reason ->
// lead_reason) or of schemas/*.avsc (LeadReason -> lead_reason) must name
// every symbol of it; so must age_band, decision, refusal_reason, sort,
// role, audit_action and signin_outcome for their tables in workbench/.
// tests/integration/labels_check.py (ctest it_labels) checks that, and
// reads the object below as JSON: keep it JSON (double quotes, no comments
// or trailing commas inside).
'use strict';

const LABELS = {
  "lead_reason": {
    "working_age_uninsured": "劳动年龄段未参保",
    "elderly_no_pension": "60岁以上未领养老金",
    "assisted_not_enrolled": "困难群体未参保",
    "business_owner_uninsured": "个体工商户未参保",
    "employer_unregistered": "单位未办理参保登记"
  },
  "priority": {
    "high": "优先",
    "normal": "一般"
  },
  "lead_status": {
    "open": "待处理",
    "contacted": "已联系",
    "refused": "拒绝参保",
    "closed": "已关闭"
  },
  "closed_reason": {
    "enrolled": "已参保",
    "deceased": "已死亡",
    "moved_out": "已迁出",
    "deregistered": "已注销",
    "invalid": "无效线索"
  },
  "subject_kind": {
    "person": "个人",
    "employer": "单位"
  },
  "age_band": {
    "under_30": "30岁以下",
    "30_44": "30–44岁",
    "45_59": "45–59岁",
    "60_plus": "60岁及以上"
  },
  "decision": {
    "contacted": "已联系",
    "refused": "拒绝参保",
    "enrolled": "已参保",
    "invalid": "无效线索"
  },
  "refusal_reason": {
    "cannot_afford": "缴费困难",
    "insured_elsewhere": "已在外地参保",
    "away_for_work": "外出务工联系不上",
    "flexible_undecided": "灵活就业未选险种",
    "unwilling": "参保意识不强",
    "employer_refuses": "单位不愿为职工参保",
    "other": "其他"
  },
  "alert_kind": {
    "paid_after_death": "死亡后仍领待遇",
    "active_after_death": "死亡后未停保",
    "dual_pension_enrollment": "养老保险重复参保",
    "dual_pension_benefit": "重复领取养老金",
    "duplicate_subsidy": "重复享受政府代缴"
  },
  "review_kind": {
    "name_mismatch": "姓名不一致",
    "death_unconfirmed": "死亡待核实",
    "probable_typo": "疑似录入错误",
    "duplicate_identity": "疑似一人多号"
  },
  "review_status": {
    "open": "待核实",
    "confirmed": "核实属实",
    "rejected": "核实不属实",
    "corrected": "已更正"
  },
  "review_verdict": {
    "confirm": "确认属实",
    "reject": "确认不属实",
    "correct": "按候选号码更正"
  },
  "sort": {
    "opened": "发现日期",
    "priority": "优先级",
    "age": "年龄",
    "status": "状态",
    "reason": "原因"
  },
  "order": {
    "asc": "升序",
    "desc": "降序"
  },
  "role": {
    "county": "县级",
    "township": "乡镇"
  },
  "audit_action": {
    "sign_in": "登录",
    "sign_in_failed": "登录失败",
    "sign_out": "退出登录",
    "view_lead": "查看线索",
    "decide": "处理线索",
    "view_review": "查看核实事项",
    "decide_review": "核实事项处理",
    "export": "导出"
  },
  "audit_field": {
    "leads": "线索",
    "audit": "审计日志",
    "township": "乡镇",
    "status": "状态",
    "reason": "原因",
    "rows": "条数"
  },
  "signin_outcome": {
    "ok": "成功",
    "not_a_name": "账号格式不对",
    "unknown_name": "账号不存在",
    "wrong_password": "密码错误",
    "refused_name_limit": "该账号尝试过多，已拒绝",
    "refused_address_limit": "该地址尝试过多，已拒绝"
  },
  "http_status": {
    "400": "请求有误",
    "401": "请先登录",
    "403": "无权查看或操作",
    "404": "找不到",
    "405": "不支持的操作",
    "413": "提交的内容过大",
    "415": "提交的格式不对",
    "429": "尝试次数过多，请稍后再试",
    "500": "服务器出错",
    "503": "服务暂不可用，请稍后再试"
  },
  "scheme": {
    "employee_pension": "职工基本养老保险",
    "resident_pension": "城乡居民基本养老保险",
    "employee_medical": "职工基本医疗保险",
    "resident_medical": "城乡居民基本医疗保险",
    "unemployment": "失业保险",
    "work_injury": "工伤保险"
  },
  "enrollment_action": {
    "enroll": "参保",
    "stop": "停保",
    "contribute": "缴费",
    "benefit": "待遇发放",
    "register_employer": "单位参保登记"
  },
  "paid_by": {
    "self": "个人缴费",
    "employer": "单位缴费",
    "government": "政府代缴"
  },
  "identity": {
    "minimum_living": "低保对象",
    "extreme_poverty": "特困人员",
    "relapse_monitoring": "防止返贫监测对象",
    "lifted_out": "脱贫人口",
    "severe_disability": "重度残疾人"
  },
  "business_kind": {
    "enterprise": "企业",
    "individual": "个体工商户",
    "cooperative": "农民专业合作社",
    "branch": "分支机构"
  },
  "business_action": {
    "established": "设立登记",
    "changed": "变更登记",
    "deregistered": "注销登记"
  },
  "household_action": {
    "resident": "户籍在册",
    "birth": "出生登记",
    "move_in": "迁入",
    "move_out": "迁出",
    "address_change": "住址变更"
  },
  "death_source": {
    "police": "公安",
    "civil": "民政",
    "health": "卫生健康"
  },
  "sex": {
    "M": "男",
    "F": "女"
  }
};

// Whether the table names code in group.
function known(group, code) {
  return Object.prototype.hasOwnProperty.call(LABELS, group) &&
         Object.prototype.hasOwnProperty.call(LABELS[group], code);
}

// The name of code in group, or the code itself when the table has none
// ('' for no code).
function label(group, code) {
  if (code === null || code === undefined || code === '') return '';
  return known(group, code) ? LABELS[group][code] : String(code);
}

// The name with the code beside it, for the one-lead view: "劳动年龄段未参保
// (working_age_uninsured)"; an unknown code alone.
function labelAndCode(group, code) {
  const l = label(group, code);
  return l === String(code) || l === '' ? l : l + ' (' + code + ')';
}
