-- The same link as `guanai match`, done in PostgreSQL for comparison (docs/BENCHMARKS.md).
-- Usage: psql -h 127.0.0.1 -U postgres -d test -v dir=/tmp/m100000 -f pglink.sql
-- Everything lives in schema match_bench, dropped at the start.
\timing on
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS match_bench CASCADE;
CREATE SCHEMA match_bench;
SET search_path = match_bench, public;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA match_bench;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA match_bench;
SET work_mem = '256MB';
SET max_parallel_workers_per_gather = 2;

CREATE UNLOGGED TABLE raw_l (ref text, name text, sex text, birth_date text, id_number text, hukou_region text,
  residence_region text, father_name text, mother_name text, guardian_name text, guardian_id text);
CREATE UNLOGGED TABLE raw_r (LIKE raw_l);
CREATE UNLOGGED TABLE truth (right_ref text, left_ref text);
\set lfile :dir '/left.csv'
\set rfile :dir '/right.csv'
\set tfile :dir '/truth.csv'
COPY raw_l FROM :'lfile' CSV HEADER;
COPY raw_r FROM :'rfile' CSV HEADER;
COPY truth FROM :'tfile' CSV HEADER;

-- normalisation: spaces, full-width digits, dots, traditional characters (the matcher's table),
-- dates in four formats, sex, identity numbers (birth date and sex taken from them when missing)
CREATE FUNCTION nname(s text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
  SELECT nullif(translate(translate(regexp_replace(coalesce(s, ''), '[\s　]', '', 'g'), '.•．・', '····'),
    '張陳劉楊黃趙吳孫馬羅鄭謝許韓馮鄧蕭葉蔣蘇呂盧鍾譚陸賈韋鄒閆閻龍賀顧龔萬錢嚴賴湯鄔塗聶蘆駱竇鄺喬閔鮑嶽紀歐諸聞遲單區薩龐衛車倫齊寧夢華溫饒慶雲偉國軍東紅麗傑濤鵬輝強剛鳳飛興寶貴財榮順義愛蘭鳴學樂廣晉瑩嬌婭靜聖藝詩語銘錦鋒銳鈺潔潤濱澤漢勝誠歡曉淵滿艷豔穎瑤璽環瓊臘蓮蔭譽豐賢資贊軒輕達遠邁釗鈞鍵鎮長門閃開閏闊陽隨隱雙靈韻響頌預領頻顏額風颯飄餘駿騰驊驕鬆魯鮮鳥鴻鵑鶴鷹麥齡諾灝帥凱瀟灑儷嫻億儀優兒勁勳勵協厲員啟團園圓堅壽奮婦媽嬋專將尋對導屬嶺巖幣幫廳彥從徹憶應懷戀戰揚擁斂敵數斕時暉書會朧條來棟楓樑樹橋機檢權歲歷歸氣漁漣潛瀅濟瀾灣煒煥熱燁燦爍爾獻瑋璣瓏產畢畫當發皚碩確禎禮種積穩競筆節範築簡紋純紗細紹絲結絢統綠維綺綿緣練縣織繡繼續纖習翹聰聲肅舉莊蓋薈藍處號襲見覺親觀記詠誼談論謙讓貝貞賓賽贏躍輪轉農連進運過邊銀錫鐘鏡鐵閣關雋電霧願頡頤馳驍體鯨點嵐鈴瑪憲琺綸網嫺姍嬡娛燾濰颱熒瑒璉琿璿陞噹佈叢幾廬暢棲淩滬漸瀋濛燈爭猶瓔甦盃禕秈筍糧紓終綜緒縈繽羨翺聯脩莖葦薔藹蘊虧衆裏訊託設評該誌課諭諺謠識護讚負貢販貫貽賜賦質購贈趕軾輔輯轟辦遙適選遺邇釧鈕鉅鉞銓銅錚錡鍇鍊鎧鏘鐸鑄閑闆闖陣隊際險雛雞離難雜霽韜頂項須頓頗顯飆飾騏驥鬱鳩鴿鵠鶯鸞黨齋龜', '张陈刘杨黄赵吴孙马罗郑谢许韩冯邓萧叶蒋苏吕卢钟谭陆贾韦邹闫阎龙贺顾龚万钱严赖汤邬涂聂芦骆窦邝乔闵鲍岳纪欧诸闻迟单区萨庞卫车伦齐宁梦华温饶庆云伟国军东红丽杰涛鹏辉强刚凤飞兴宝贵财荣顺义爱兰鸣学乐广晋莹娇娅静圣艺诗语铭锦锋锐钰洁润滨泽汉胜诚欢晓渊满艳艳颖瑶玺环琼腊莲荫誉丰贤资赞轩轻达远迈钊钧键镇长门闪开闰阔阳随隐双灵韵响颂预领频颜额风飒飘余骏腾骅骄松鲁鲜鸟鸿鹃鹤鹰麦龄诺灏帅凯潇洒俪娴亿仪优儿劲勋励协厉员启团园圆坚寿奋妇妈婵专将寻对导属岭岩币帮厅彦从彻忆应怀恋战扬拥敛敌数斓时晖书会胧条来栋枫梁树桥机检权岁历归气渔涟潜滢济澜湾炜焕热烨灿烁尔献玮玑珑产毕画当发皑硕确祯礼种积稳竞笔节范筑简纹纯纱细绍丝结绚统绿维绮绵缘练县织绣继续纤习翘聪声肃举庄盖荟蓝处号袭见觉亲观记咏谊谈论谦让贝贞宾赛赢跃轮转农连进运过边银锡钟镜铁阁关隽电雾愿颉颐驰骁体鲸点岚铃玛宪珐纶网娴姗嫒娱焘潍台荧玚琏珲璇升当布丛几庐畅栖凌沪渐沈蒙灯争犹璎苏杯祎籼笋粮纾终综绪萦缤羡翱联修茎苇蔷蔼蕴亏众里讯托设评该志课谕谚谣识护赞负贡贩贯贻赐赋质购赠赶轼辅辑轰办遥适选遗迩钏钮钜钺铨铜铮锜锴炼铠锵铎铸闲板闯阵队际险雏鸡离难杂霁韬顶项须顿颇显飙饰骐骥郁鸠鸽鹄莺鸾党斋龟'), '') $$;
CREATE FUNCTION nid(s text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
  SELECT nullif(upper(translate(regexp_replace(coalesce(s, ''), '\s', '', 'g'), '０１２３４５６７８９ｘ', '0123456789x')), '') $$;
CREATE FUNCTION mkdate(y int, m int, d int) RETURNS date IMMUTABLE LANGUAGE sql AS $$
  SELECT CASE WHEN y BETWEEN 1900 AND 2099 AND m BETWEEN 1 AND 12
    AND d BETWEEN 1 AND extract(day FROM make_date(y, m, 1) + interval '1 month - 1 day')::int
    THEN make_date(y, m, d) END $$;
CREATE FUNCTION ndate(s text) RETURNS date IMMUTABLE LANGUAGE sql AS $$
  SELECT CASE
    WHEN s ~ '^\d{4}[-/]\d{1,2}[-/]\d{1,2}$' THEN
      mkdate(split_part(translate(s, '/', '-'), '-', 1)::int, split_part(translate(s, '/', '-'), '-', 2)::int, split_part(translate(s, '/', '-'), '-', 3)::int)
    WHEN s ~ '^\d{8}$' THEN mkdate(substr(s, 1, 4)::int, substr(s, 5, 2)::int, substr(s, 7, 2)::int)
    WHEN s ~ '^\d{4}年\d{1,2}月\d{1,2}日$' THEN
      mkdate(split_part(translate(s, '年月日', '--'), '-', 1)::int, split_part(translate(s, '年月日', '--'), '-', 2)::int, split_part(translate(s, '年月日', '--'), '-', 3)::int)
  END $$;
CREATE FUNCTION nsex(s text) RETURNS int IMMUTABLE LANGUAGE sql AS $$
  SELECT CASE WHEN s IN ('1', '男', 'M') THEN 1 WHEN s IN ('2', '女', 'F') THEN 2 END $$;

CREATE UNLOGGED TABLE l AS
  SELECT ref, n AS name, left(n, 1) AS sur, substr(n, 2) AS giv,
    coalesce(ndate(birth_date), CASE WHEN i ~ '^\d{17}[\dX]$' THEN ndate(substr(i, 7, 8)) END) AS birth,
    coalesce(nsex(sex), CASE WHEN i ~ '^\d{17}' THEN 2 - substr(i, 17, 1)::int % 2 END) AS sex,
    i AS id, left(hukou_region, 6) AS hukou, left(residence_region, 6) AS resid,
    nname(father_name) AS father, nname(mother_name) AS mother
  FROM (SELECT *, nname(name) AS n, nid(id_number) AS i FROM raw_l) x;
CREATE UNLOGGED TABLE r AS SELECT * FROM l WITH NO DATA;
INSERT INTO r
  SELECT ref, n, left(n, 1), substr(n, 2),
    coalesce(ndate(birth_date), CASE WHEN i ~ '^\d{17}[\dX]$' THEN ndate(substr(i, 7, 8)) END),
    coalesce(nsex(sex), CASE WHEN i ~ '^\d{17}' THEN 2 - substr(i, 17, 1)::int % 2 END),
    i, left(hukou_region, 6), left(residence_region, 6), nname(father_name), nname(mother_name)
  FROM (SELECT *, nname(name) AS n, nid(id_number) AS i FROM raw_r) x;
CREATE INDEX ON l (id);
CREATE INDEX ON l (birth, sur);
CREATE INDEX ON l (birth, giv);
CREATE INDEX ON l (name, extract(year FROM birth));
CREATE INDEX ON l (name, father);
ANALYZE l; ANALYZE r;

-- blocking: a union of rules like the matcher's (exact values; no pinyin in SQL)
CREATE UNLOGGED TABLE cand AS
  SELECT r.ref AS rref, l.ref AS lref FROM r JOIN l ON l.id = r.id
  UNION SELECT r.ref, l.ref FROM r JOIN l ON l.birth = r.birth AND l.sur = r.sur
  UNION SELECT r.ref, l.ref FROM r JOIN l ON l.birth = r.birth AND l.giv = r.giv
  UNION SELECT r.ref, l.ref FROM r JOIN l ON l.name = r.name AND extract(year FROM l.birth) = extract(year FROM r.birth)
  UNION SELECT r.ref, l.ref FROM r JOIN l ON l.name = r.name AND l.father = r.father;

-- scoring: additive log2 weights of the same size as the matcher's (ID, typo by Levenshtein,
-- name exact / trigram-similar, birth date, sex, regions, parents), best pair per right record
CREATE UNLOGGED TABLE scored AS
  SELECT DISTINCT ON (rref) rref, lref, score FROM (
    SELECT c.rref, c.lref,
      CASE WHEN l.id IS NULL OR r.id IS NULL THEN 0 WHEN l.id = r.id THEN 30
           WHEN levenshtein(l.id, r.id) <= 2 THEN 20 ELSE -10 END
    + CASE WHEN l.name = r.name THEN 12 WHEN similarity(l.name, r.name) >= 0.3 THEN 2 ELSE -9 END
    + CASE WHEN l.birth IS NULL OR r.birth IS NULL THEN 0 WHEN l.birth = r.birth THEN 12
           WHEN (extract(year FROM l.birth) = extract(year FROM r.birth))::int + (extract(month FROM l.birth) = extract(month FROM r.birth))::int
              + (extract(day FROM l.birth) = extract(day FROM r.birth))::int = 2 THEN 1 ELSE -10 END
    + CASE WHEN l.sex IS NULL OR r.sex IS NULL THEN 0 WHEN l.sex = r.sex THEN 1 ELSE -7 END
    + CASE WHEN l.hukou IS NULL OR r.hukou IS NULL THEN 0 WHEN l.hukou = r.hukou THEN 3 ELSE -3 END
    + CASE WHEN l.resid IS NULL OR r.resid IS NULL THEN 0 WHEN l.resid = r.resid THEN 2 ELSE -2 END
    + CASE WHEN l.father IS NULL OR r.father IS NULL THEN 0 WHEN l.father = r.father THEN 10 ELSE -10 END
    + CASE WHEN l.mother IS NULL OR r.mother IS NULL THEN 0 WHEN l.mother = r.mother THEN 10 ELSE -10 END AS score
    FROM cand c JOIN l ON l.ref = c.lref JOIN r ON r.ref = c.rref) s
  WHERE score >= 25
  ORDER BY rref, score DESC, lref;

-- quality against the truth
SELECT count(*) FILTER (WHERE t.left_ref = s.lref) AS tp,
       count(*) FILTER (WHERE t.left_ref IS DISTINCT FROM s.lref) AS fp,
       (SELECT count(*) FROM truth) - count(*) FILTER (WHERE t.left_ref = s.lref) AS fn
FROM scored s LEFT JOIN truth t ON t.right_ref = s.rref;
