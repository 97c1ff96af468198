package audit

import "strings"

// labels are the Chinese names of the actions, for the audit administrator's page, its
// workbook and the command line: the one table of them. A feature that adds actions adds their
// names from its own file (SetLabel in an init), so that no code reaches the screen.
var labels = map[string]string{
	LoginSuccess: "登录成功", LoginFailure: "登录失败", Logout: "退出登录", PasswordChange: "修改密码",
	MFAEnrol: "设置动态口令", MFAReset: "清除动态口令", UserCreate: "创建账号", UserUpdate: "修改账号",
	ChildRead: "查看儿童记录", ChildSearch: "查询儿童", ChildCreate: "登记儿童", ChildUpdate: "修改儿童记录",
	ChildTransit: "变更记录状态", ChildHistory: "查看修改历史", ChildReveal: "查看完整信息", ChildExport: "下载导出的记录",
	ExportRequest: "申请导出", ExportDecide: "审批导出", ChildBulkRead: "批量读取记录", VerifyExport: "核查名单",
	Import: "导入", StatsRead: "查看统计", KeyRotate: "轮换密钥", AuditRead: "查看审计日志",
	LeadDraft: "按线索登记", ReviewRead: "查看比对详情", WorklistExport: "下载工作清单", AuditReanchor: "重建审计锚点",
	ImportBegin: "开始导入", ImportChunk: "导入一批记录", ImportRecovered: "中断的导入已结束", ImportRejectsRead: "下载未导入的行",
	RosterDecide: "确认比对结果", RosterPairsList: "查看待复核比对", DiscrepancyList: "查看差异清单",
	DiscrepancyResolve: "处理差异", LeadList: "查看走访线索", LeadClose: "记录走访结果", CampaignCreate: "部署摸排工作",
	ReviewResolve: "处理复核事项", BackupCreate: "备份数据库", BackupRestore: "恢复数据库",
}

// prefixLabels name the kinds of action, for an action without a name of its own.
var prefixLabels = map[string]string{
	"login": "登录", "password": "密码", "mfa": "动态口令", "user": "账号", "child": "儿童记录", "export": "导出",
	"import": "导入", "stats": "统计", "key": "密钥", "audit": "审计日志", "lead": "走访线索", "roster": "部门名册",
	"discrepancy": "差异核查", "campaign": "摸排工作", "review": "复核", "backup": "备份", "verify": "核查名单",
	"release": "统计发布", "bulletin": "通报", "ledger": "重点关爱台账", "upload": "上报",
}

// SetLabel names an action (from an init of the file that declares it).
func SetLabel(action, label string) { labels[action] = label }

// Label returns the Chinese name of an action; an action without one is named by its kind
// ("儿童记录：其他操作"), never by its code.
func Label(action string) string {
	if l, ok := labels[action]; ok {
		return l
	}
	kind, _, _ := strings.Cut(action, ".")
	if l, ok := prefixLabels[kind]; ok {
		return l + "（其他操作）"
	}
	return "其他操作"
}

// Labels returns every named action with its name.
func Labels() map[string]string {
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		out[k] = v
	}
	return out
}
