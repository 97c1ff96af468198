package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"guanai/internal/region"
	"guanai/internal/sheet"
	"guanai/internal/workflow"
)

func init() {
	commands["upload"] = command{summary: "上报全国儿童福利信息系统：batch 生成上报批次文件，feedback 导入反馈结果", run: runUpload}
}

const uploadUsage = `用法:
  guanai upload batch [--region CODE] --out F.xlsx   把已审核、尚未上报（或上报后有修改、被退回后重新审核）的记录
                                                     按附件1、附件2 的格式写入 F.xlsx，记为“已上报”，打印
                                                     {"batch": "批次号", "records": N}
  guanai upload feedback FILE                        导入全国系统的反馈文件（按公民身份号码或批次序号，接收/退回及原因）；
                                                     退回的记录连同原因退回填报人`

// runUpload makes a national upload batch or takes back the national system's answer file.
func runUpload(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "upload", uploadUsage, []string{"batch", "feedback"}, args)
	if err != nil {
		return err
	}
	fs := newFlagSet("upload " + sub)
	finish := commonFlags(fs, env)
	var out, regionCode *string
	if sub == "batch" {
		out = fs.String("out", "", "上报文件（.xlsx）")
		regionCode = fs.String("region", "", "只上报该区划的记录（流动儿童按现居住地，留守儿童按户籍地）")
	}
	pos, err := parseOptions(env, fs, uploadUsage, args)
	if err != nil {
		return err
	}
	var file string
	if sub == "batch" {
		if err := noArgs(pos); err != nil {
			return err
		}
		if *out == "" {
			return usageError{"请用 --out 指定上报文件"}
		}
	} else {
		if len(pos) != 1 {
			return usageError{"请指定一个反馈文件"}
		}
		file = pos[0]
	}
	c, err := finish()
	if err != nil {
		return usageError{err.Error()}
	}
	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	if sub == "feedback" {
		t, err := sheet.OpenTableContext(ctx, file, "")
		if err != nil {
			return err
		}
		defer t.Close()
		res, err := workflow.UploadFeedback(ctx, s, t)
		if err != nil {
			return err
		}
		return enc.Encode(res)
	}
	tmp := *out + ".tmp"
	f, err := createPrivate(tmp)
	if err != nil {
		return fmt.Errorf("创建上报文件：%w", err)
	}
	b, err := workflow.UploadBatch(ctx, s, *regionCode, region.Default(), env.Now(), f)
	cerr := f.Close()
	if err := firstErr(err, cerr); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "上报批次 %s：%d 条记录（附件1 %d 行，附件2 %d 行），已写入 %s，SM3 %s\n", b.Number, b.Records, b.Form1, b.Form2, *out, b.Digest)
	return enc.Encode(map[string]any{"batch": b.Number, "records": b.Records, "form1": b.Form1, "form2": b.Form2, "digest": b.Digest})
}
