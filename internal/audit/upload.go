package audit

// Actions of the national upload and of releases (docs/upload.md): written by the store in the
// same transaction as the change.
const (
	UploadBatch    = "upload.batch"    // a national upload batch made: its records marked 已上报, the file written (full identity numbers)
	UploadList     = "upload.list"     // upload batches or a batch's items listed (masked)
	UploadFeedback = "upload.feedback" // the national system's answer taken back: records accepted or returned
	UploadRequest  = "upload.request"  // a reviewer asked to make an upload batch
	UploadDecide   = "upload.decide"   // another reviewer approved or rejected the request
)

// Actions of releases (数据发布).
const (
	ReleaseCreate   = "release.create"   // a release drafted: its figures computed, suppressed and hashed
	ReleaseSign     = "release.sign"     // a department signed off or objected
	ReleaseApprove  = "release.approve"  // civil affairs or statistics approved
	ReleasePublish  = "release.publish"  // a release published
	ReleaseWithdraw = "release.withdraw" // a release withdrawn
)

// BulletinIssue is a periodic bulletin (通报) issued by the server's job.
const BulletinIssue = "bulletin.issue"
