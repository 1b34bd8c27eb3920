// The regulator's words (监管), Chinese first.
const zh: Record<string, string> = {
  'console.group.supervision': '监管',
  'console.role.regulator': '监管部门',
  'regulator.log.title': '运营操作记录',
  'regulator.log.sub': '平台运营方每一次成功的修改：谁、何时、改了什么（合作方、配额、因子、导出、回购……）。记录只增不改；不含个人信息。',
  'regulator.log.month': '月份（UTC）',
  'regulator.log.csv': '导出 CSV',
  'regulator.log.empty': '这个月没有运营操作。',
  'regulator.log.at': '时间',
  'regulator.log.who': '操作人',
  'regulator.log.route': '操作',
  'regulator.log.params': '对象',
  'regulator.log.summary': '内容',
  'regulator.log.result': '结果编号',
  'regulator.log.status': '状态码',
  'regulator.log.fields_only': '仅记录字段名：',
}

const en: Record<string, string> = {
  'console.group.supervision': 'Supervision',
  'console.role.regulator': 'Regulator',
  'regulator.log.title': "Operators' actions",
  'regulator.log.sub': "Every successful change the platform operator made: who, when, what (partners, quotas, factors, exports, buybacks…). Appended, never changed; no person's data.",
  'regulator.log.month': 'Month (UTC)',
  'regulator.log.csv': 'Export CSV',
  'regulator.log.empty': 'No operator actions this month.',
  'regulator.log.at': 'When',
  'regulator.log.who': 'Operator',
  'regulator.log.route': 'Action',
  'regulator.log.params': 'Of',
  'regulator.log.summary': 'Values',
  'regulator.log.result': 'Ids made',
  'regulator.log.status': 'Status',
  'regulator.log.fields_only': 'Field names only: ',
}

export default { zh, en }
