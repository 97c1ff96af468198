package seal_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"guanai/internal/seal"
)

func Example() {
	dataDir, _ := os.MkdirTemp("", "guanai-example")
	defer os.RemoveAll(dataDir)

	// keyFile would come from GUANAI_KEY_FILE; "" means <dataDir>/guanai.key.
	k, created, err := seal.OpenOrCreate(dataDir, "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", created, filepath.Base(k.Path()))

	const id = "11010520180101123X"
	stored, _ := k.SealString(id, "child.id_number") // "v1.k1.…", goes into the database
	index := k.BlindIndex("child.id_number", id)     // 32 hex characters, for WHERE id_index = ?

	newKey, _ := k.Rotate()
	plain, _ := k.OpenString(stored, "child.id_number")
	fmt.Println("active:", newKey, "old value opens:", plain == id)
	fmt.Println("needs reseal:", k.NeedsResealString(stored))
	fmt.Println("index unchanged:", k.BlindIndex("child.id_number", id) == index)

	_, err = k.OpenString(stored, "guardian.id_number")
	fmt.Println(err)
	// Output:
	// created: true guanai.key
	// active: k2 old value opens: true
	// needs reseal: true
	// index unchanged: true
	// seal: 解密 "guardian.id_number": 解密失败：数据被篡改或密钥不匹配
}
