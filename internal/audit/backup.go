package audit

// Actions of backups (docs/backup.md).
const (
	BackupCreate  = "backup.create"  // a consistent copy of the database taken (guanai backup)
	BackupRestore = "backup.restore" // a database restored from a backup, its chain checked (guanai restore)
)
