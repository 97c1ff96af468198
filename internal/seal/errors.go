package seal

import "errors"

// Sentinel errors. Functions of this package wrap them with context
// ("seal: <what was being done>: …"); test for them with errors.Is.
var (
	// ErrTampered means authentication of a sealed value failed: it was altered, it belongs
	// to another column (aad mismatch), or it was sealed under a different key of the same id.
	ErrTampered = errors.New("解密失败：数据被篡改或密钥不匹配")

	// ErrMalformed means a sealed value does not have the layout produced by Seal/SealString.
	ErrMalformed = errors.New("密文格式无效")

	// ErrUnknownKey means a sealed value names a data key id that the key file does not hold.
	ErrUnknownKey = errors.New("未知的数据密钥")

	// ErrWrongMaster means the master key does not belong to the key file.
	ErrWrongMaster = errors.New("主密钥不正确")

	// ErrMasterRequired means the key file keeps its master key elsewhere and the caller did
	// not supply it (use OpenWithMaster).
	ErrMasterRequired = errors.New("该密钥文件的主密钥保存在外部，需要由调用方提供")

	// ErrKeyFileExists is returned by CreateKeyring and CreateWithMaster, which never overwrite.
	ErrKeyFileExists = errors.New("密钥文件已存在，拒绝覆盖")

	// ErrInsecurePermissions means the key file can be accessed by group or other users.
	ErrInsecurePermissions = errors.New("密钥文件权限过宽")

	// ErrCorrupt means the key file cannot be parsed or its wrapped keys fail authentication
	// although the master key matches.
	ErrCorrupt = errors.New("密钥文件损坏")
)
