"""Per-construct checks of the built-in checker: what BBj accepts, what it rejects and on which line."""

from __future__ import annotations

import pytest

from bbjcoder.bbj import Severity, check

ACCEPT = {
    # lexical
    "case-insensitive keywords": 'PRINT "a"\nPrint "b"\nfor I=1 TO 2\nNEXT i\n',
    "suffixes": 'a$="x"\nb%=2\nc=1.5\nd!=null()\ne=.5\nf=10.\n',
    "doubled quotes and hex": 'q$="say ""hi"""\nh$=$0D0A$+$$+$ff00$\n',
    "mnemonics": "print 'CS','BR','ER',\nx$='LF'+\"a\"\nprint 'BOX'(1,1,5,5),'FONT'(\"Arial\")\n",
    "keyword-prefixed names": "printTest$=\"x\"\nstepXYZ!=null()\nexitCode=1\nreleaseVersion!=null()\n",
    "rem forms": "rem a comment with \"unclosed quote\nREM\n  rem indented\nx=1; rem after\nlbl: rem after label\n",
    "rem right after then": "if x then rem nothing to do\nendif\n",
    "numbered lines": "0010 PRINT \"A\"\n0020 GOTO 0010\n",
    "labels": "top:\n  print 1\nagain: print 2\ngoto top\ngosub again\n",
    "keyword labels": "label:\n  print 1\ngoto label\nexit:\n  release\n",
    "continuation string": 'msg$="first part "+\n:"second part "+\n:"third"\nprint msg$\n',
    "continuation in call": 'call "prog.bbj",a$,\n:b$,c,\n:d$[all]\n',
    "crlf": 'print 1\r\nprint 2\r\n',
    "tabs": "if x then\n\tprint 1\n\tendif\n",
    "bom": "\ufeffprint 1\n",
    # statements and verbs
    "let forms": "let a=1, b=2\na=1, b$=\"x\"\n",
    "print channel": 'print (1,err=oops) "x",a$\n? "short"\noops:\n',
    "print mask": 'print total:"###,##0.00",n:"00"\nx$=str(n:"000")\n',
    "print trailing comma": 'print "no newline",\nprint\n',
    "read record": 'read record (1,key=k$,dom=*next,err=bad) r$\nbad:\n',
    "read fields": "read (1,key=k$,knum=1,dom=missing,end=eof) a$,b,*,c$\nmissing:\neof:\n",
    "write record": 'write record (2,key=k$) r$\nwrite (2,key=k$,err=*next) a$,b\n',
    "extract find remove": "extract (1,key=k$,dom=x) a$\nfind record (1,key=k$,dom=x) r$\nremove (1,key=k$,dom=x)\nx:\n",
    "fused record verbs": "readrecord (1) r$\nwriterecord (1) r$\n",
    "open close": 'open (1,mode="O_CREATE",err=*next) "data.txt"\nclose (1)\nclose (1,err=*next)\n',
    "lock unlock": "lock (1,err=*next)\nunlock (1)\n",
    "input verification": 'input (0,err=*same) @(5,5),"Name: ",n$:(""=done,"Q"=done,LEN=1,20)\ndone:\n',
    "input plain": 'input "Name: ",n$\ninput @(1,1),"Age: ",age\n',
    "dim forms": 'dim a[10],b$[1:5,0:3],c$(20,"*"),y$[10](20),x![20]\ndim t$:"NAME:C(20),AGE:N(3)"\ndim u$:(tpl$)\n',
    "template fields": 'dim r$:"NAME:C(20),AGE:N(3)"\nr.name$="Ann"\nr.age=30\nprint r.name$,r.age\n',
    "substring": 's$="Hello"\nprint s$(1,2),s$(3)\ns$(1,1)="J"\nx$=fid(1)(9)(1,3)\n',
    "arrays all": "dim a[5]\ncall \"x.bbj\",a[all]\nenter b[all],c$\n",
    "classic field verb": 'field rec$,"NAME"="Smith"\nfield a$,b$="data"\nfield a$,"RATE",[10]=2.5\n',
    "call enter exit run": 'call "prog.bbj::entry",a$,b,err=*next\nenter x$,y,err=*next\nexit\nexit 1\nrun "other.bbj"\n',
    "seterr setesc": "seterr handler\nsetesc esc\nseterr 0\nhandler:\nesc:\n",
    "on goto": "on c goto l1,l2,l3\non x gosub s1,s2\nl1:\nl2:\nl3:\ns1:\ns2:\n",
    "end stop release": "end\nstop\nrelease\nbye\nescape\n",
    "exitto": "for i=1 to 3\n  if i=2 then exitto out\nnext i\nout:\n",
    "sql verbs": 'sqlopen(1,err=e) "ChileCompany"\nsqlprep(1) "select * from x where a=?"\nsqlexec(1) a$\ndim r$:sqltmpl(1)\nr$=sqlfetch(1,err=*break)\nsqlclose(1)\ne:\n',
    "select verb": 'select (1) r$ from "cust.dat" where r.bal>100 sortby r.name$\n',
    "file creation": 'mkeyed "cust.dat",[1:6],0,128\nerase "old.dat",err=*next\nrename "a.txt" to "b.txt"\nmkdir "logs",err=*next\n',
    "key definitions": 'mkeyed "cust.dat",[1:6]+[7:10:"N"],0,128\n',
    "implicit goto after then": "0010 if a=1 then 0030 else 0020\n0020 print 1\n0030 end\n",
    "empty statements": "x=1;;y=2;\nprint x;\n",
    "call on a function result": 'BBjAPI().createTimer("t",5,"tick")\nBBjAPI().getSysGui().setContext(0)\n',
    "block if without then": "if x>0\n  print \"pos\"\nendif\nif #x\n  y=1\nfi\n",
    "string system variables": "a$=opts\nb$=day+ssn\n",
    "endif special label": 'x=num("1",err=*endif)\n',
    "clear except": "clear except total,page_num,date$,j[all]\nbegin except x1\n",
    "field verb any value": 'dim r$:"N:N(3)"\nfield r$,"N"=5\nfield r$,"TOTAL"=x*4.5,err=*next\n',
    "whole array empty brackets": 'dim a$[3]\ncall "prog",a$[]\n',
    "dim with err": "dim b$(9),err=oops\noops:\n",
    "wait precision": "wait 1\nprecision 4\n",
    # control flow
    "single-line if": 'if x>3 then print "big" else print "small"\n',
    "single-line if with fi": "if a then b=1 else b=2 fi; print b\n",
    "nested single-line if": "if a then if b then x=1 else x=2 else x=3\n",
    "if then chained statements": "if a=1 then x=1; y=2; print x\n",
    "if without then before verb": "if x=1 goto done\ndone:\n",
    "block if": "if a=1 then\n  print 1\nelse\n  print 2\nendif\nif b then\n  print 3\nfi\n",
    "endif then statement": "if a then\n  x=1\nendif; print 2\n",
    "for step": "for i=10 to 1 step -1\n  print i\nnext i\nfor j=1 to 3; print j; next j\n",
    "while wend": "while i<10\n  i=i+1\n  if i=5 then break\n  if i=3 then continue\nwend\n",
    "repeat until": "repeat\n  i=i+1\nuntil i>5\n",
    "switch": 'switch n\n  case 1\n    print "one"\n    break\n  case 2,3; print "few"; break\n  case default\n    print "?"\nswend\n',
    "gosub return": "gosub sub\nend\nsub:\n  print 1\n  return\n",
    "def fn single": "def fnsq(x)=x*x\ndef fnup$(a$)=cvs(a$,4)\nprint fnsq(3),fnup$(\"a\")\n",
    "def fn multi": 'def fnfmt$(v$)\n  if v$="" then return "-"\n  return "["+v$+"]"\nfnend\nprint fnfmt$("x")\n',
    "def fn no args": "def fnpi=3.14159\nx=fnpi*2\n",
    # expressions
    "precedence": "x=-2^2+3*4/2-1\ny=(a>1 and b<2) or !c\nz=a=b\n",
    "string compare": 'if a$="x" and b$<>"y" then print 1\nif a$<b$ then print 2\n',
    "functions": 'n=len(s$)+pos("a"=s$)+num("12")+asc("A")\nc$=chr(65)+str(12)+cvs(" x ",3)\n',
    "pos relational forms": 'p=pos("," = line$, 1, 2)\n',
    "bit functions": 'x$=and(a$,b$)+ior(a$,b$)+xor(a$,b$)+not(a$)\n',
    "function options": 'r=msgbox("Saved",64,"Backup",MODE="theme=success",TIM=5)\n',
    "num with err": 'v=num(t$,err=bad)\nbad:\n',
    "objects": 'obj!=new java.util.HashMap()\nobj!.put("k","v")\ns$=obj!.get("k")\nn=obj!.size()\n',
    "method chains": 'sb!=new java.lang.StringBuilder()\nsb!.append("a").append("b").toString()\n',
    "static access": "x=java.lang.Math.abs(-1)\nc!=java.awt.Color.RED\n",
    "bbjapi": 'sysgui!=BBjAPI().openSysGui("X0")\nwin!=sysgui!.addWindow(10,10,200,100,"Hi")\n',
    "java arrays": "declare java.awt.Color[] c!\nc!=new java.awt.Color[2]\nc![0]=null()\n",
    "cast": "l!=cast(java.util.List,o!)\na!=cast(BBjString[],b!)\n",
    "object holds anything": 'x!="abc"\nx!=5\n',
    "bang equals is object assignment": "if a!=1 then print 1\n",
    "at position": "print @(10),@(1,2),\"x\"\n",
    "mnemonic concat": "print 'CS'+\"x\"\n",
    "string minus in function": 'x=num(a$)-num(b$)\n',
    "any typed concat": 's$="a"+obj!.toString()\nn=1+obj!.size()\n',
    "system vars": 'd$=day\nt=tim\ne=err\nu=unt\n',
    # objects
    "class with members": (
        "use java.util.ArrayList\n"
        "class public Order extends BaseOrder implements Printable, Comparable\n"
        "  field public BBjString Id$\n"
        "  field private static BBjNumber Count=0\n"
        "  field protected BBjInt Qty%\n"
        "  field public java.util.List Items!\n"
        "  method public Order(BBjString id$)\n"
        "    #Id$=id$\n"
        "    #Items!=new ArrayList()\n"
        "  methodend\n"
        "  method public static BBjNumber getCount()\n"
        "    methodret #Count\n"
        "  methodend\n"
        "  method public void print()\n"
        "    print #Id$\n"
        "    #super!.print()\n"
        "    x!=#this!\n"
        "  methodend\n"
        "classend\n"
    ),
    "interface": "interface public Printable extends Base, Other\n  method public void print()\n  method public BBjString name()\ninterfaceend\n",
    "class rem": "class public C; rem note\n  method public void m(); rem note\n  methodend\nclassend ; rem end\n",
    "methodend rem": "class public C\n  method public void m()\n  methodend; rem x\nclassend\n",
    "file qualified": "use ::lib/util.bbj::Helper\nh!=new ::lib/util.bbj::Helper()\ndeclare ::lib/util.bbj::Helper g!\n",
    "declare auto": "declare auto BBjString s$\ndeclare BBjNumber n\n",
    "setcallback gui": (
        'btn!.setCallback(btn!.ON_BUTTON_PUSH,"push")\n'
        'win!.setCallback(win!.ON_CLOSE,#this!,"onClose")\n'
        "process_events\n"
        "push:\n  e!=BBjAPI().getSysGui().getLastEvent()\n  return\n"
    ),
    "callback verb": 'callback(ON_CLOSE,closeit,0)\ncallback(ON_BUTTON_PUSH,"prog.bbj::push",ctx,101)\nremove_callback(ON_CLOSE,0)\nprocess_events,tim=5,err=*same\ncloseit: release\n',
    "method returning array": "class public A\n  method public BBjString[] names(BBjNumber n)\n    methodret null()\n  methodend\nclassend\n",
    "generic verbs": 'execute "x=1"\nthrow "bad",42\nprefix "lib/"\ndrop x$\nbegin\nclear\n',
    "vpro5": 'sysgui=unt\nopen (sysgui) "X0"\nprint (sysgui) \'window\'(100,100,200,100,"Title",$00010003$,$$)\nread record (sysgui,siz=10) event$\n',
}

REJECT = {
    # (source, first error line, fragment of the message)
    "unknown verb": ("bogus 1\n", 1, "unknown statement"),
    "if with semicolon": ("if x; print 1\n", 1, "THEN"),
    "double equals": ("if a==1 then print 1\n", 1, "expected an expression"),
    "ampersand join": ('x$="a" & "b"\n', 1, "'&'"),
    "braces": ("if x then {\n", 1, "'{'"),
    "java comment": ("print 1 // no\n", 1, "expression"),
    "block comment": ("/* no */\n", 1, "cannot begin"),
    "odd hex digits": ("x$=$ABC$\n", 1, "even number"),
    "bad hex digit": ("x$=$0G$\n", 1, "0-9 and A-F"),
    "stray dollar": ("x$=$ 1\n", 1, "stray"),
    "colon separator": ("print 1: print 2\n", 1, ""),
    "missing comma in call": ('call "x.bbj" a$\n', 1, "expected ','"),
    "open without paren": ('open 1,"x"\n', 1, "expected '('"),
    "open duplicate option": ('open (1,err=a,err=b) "x"\n', 1, "twice"),
    "open without file": ("open (1)\n", 1, "file name"),
    "close without paren": ("close 1\n", 1, "expected '('"),
    "for without equals": ("for i 1 to 2\nnext i\n", 1, "expected '='"),
    "for string var": ('for a$="a" to "z"\nnext a$\n', 1, "numeric"),
    "on without goto": ("on x l1,l2\n", 1, "GOTO or GOSUB"),
    "gosub without target": ("gosub\n", 1, "label"),
    "seterr without target": ("seterr\n", 1, "label"),
    "bad special label": ("read (1,err=*nowhere) a$\n", 1, "*LABEL"),
    "numeric to string": ('a$="x"\nb$=a$+1\n', 2, "type mismatch"),
    "string to number": ('n="abc"\n', 1, "type mismatch"),
    "string times": ('x=a$*2\n', 1, "needs numbers"),
    "compare string number": ('if a$=1 then print 1\n', 1, "compare"),
    "unary minus string": ('x=-a$\n', 1, "unary"),
    "numeric substring target": ("len(x$)=1\n", 1, "function call"),
    "object template dim": ('dim o!(10)\n', 1, "object"),
    "bare function call": ("len(x$)\n", 1, "not a statement"),
    "fn variable": ("fnx=1\n", 1, "FN"),
    "class no name": ("class public\nclassend\n", 1, "class name"),
    "class not alone": ("print 1; class public A\nclassend\n", 1, "start a new line"),
    "method no return type": ("class public A\n  method public greet()\n  methodend\nclassend\n", 2, "return type"),
    "method outside class": ("method public void m()\nmethodend\n", 1, "outside a CLASS"),
    "method without methodend": ("class public A\n  method public void m()\nclassend\n", 2, "no METHODEND"),
    "nested method": ("class public A\n  method public void m()\n  method public void n()\n  methodend\nclassend\n", 2, "no METHODEND"),
    "methodret outside method": ("methodret 1\n", 1, "METHODRET"),
    "field in method": ("class public A\n  method public void m()\n    field public BBjNumber n\n  methodend\nclassend\n", 3, "inside a METHOD"),
    "field in interface": ("interface public I\n  field public BBjNumber n\ninterfaceend\n", 2, "INTERFACE"),
    "statement in interface": ("interface public I\n  print 1\ninterfaceend\n", 2, "INTERFACE"),
    "interface without end": ("interface public I\n  method public void m()\n", 1, "INTERFACEEND"),
    "classend for interface": ("interface public I\nclassend\n", 2, "INTERFACEEND"),
    "bbjstring suffix": ("class public A\n  field public BBjString Name\nclassend\n", 2, "must end in '$'"),
    "bbjnumber suffix": ("class public A\n  method public void m(BBjNumber n$)\n  methodend\nclassend\n", 2, "cannot end in '$'"),
    "declare suffix": ("declare BBjString s\n", 1, "must end in '$'"),
    "methodend with statement": ("class public A\n  method public void m()\n  methodend; print 1\nclassend\n", 3, "alone"),
    "paren list expression": ("x=(1,2)\n", 1, "parenthesised list"),
    "unclosed mnemonic": ("print 'CS\n", 1, "mnemonic"),
    "new without parens": ("x!=new java.util.HashMap\n", 1, "NEW"),
    "print twice": ('print "a" print "b"\n', 1, "between items"),
    "assign two statements": ("x=1 y=2\n", 1, "end of line"),
    "case on its own": ("default\n", 1, "CASE DEFAULT"),
    "object substring in expression": ('x!="abc"\ny$=x!(1,2)\n', 2, "substring"),
    "nesting limit": ("x=" + "(" * 200 + "1" + ")" * 200 + "\n", 1, "too deeply"),
    "continuation error line": ('x$="a"+\n:"b"+\n:+\nprint 1\n', 1, "expression"),
    "tokenized text": ("print 1\n\x00\x01\n", 2, "unexpected character"),
}

WARN = {
    "for without next": ("for i=1 to 3\n  print i\n", 1, "never closed"),
    "while without wend": ("while 1\n", 1, "never closed"),
    "wend without while": ("wend\n", 1, "WEND without"),
    "next closes outer loop": ("for i=1 to 2\nfor j=1 to 2\nnext i\n", 2, "never closed"),
    "unknown goto label": ("goto nowhere\n", 1, "not defined"),
    "unknown err label": ("open (1,err=nolabel) \"x\"\n", 1, "not defined"),
    "if block not closed": ("if a then\n  print 1\n", 1, "never closed"),
    "case outside switch": ("case 1\n", 1, "CASE outside"),
    "unreachable in class": ("class public A\n  print 1\nclassend\n", 2, "never executed"),
    "def without fnend": ("def fnx(a)\n  return a\n", 1, "never closed"),
    "loops closed at methodend": (
        "class public A\n  method public void m()\n    while 1\n  methodend\nclassend\n", 3, "never closed"
    ),
}


@pytest.mark.parametrize("name", sorted(ACCEPT))
def test_accepts(name: str) -> None:
    diags = check(ACCEPT[name])
    assert [(d.line, d.message) for d in diags if d.is_error] == []


@pytest.mark.parametrize("name", sorted(REJECT))
def test_rejects(name: str) -> None:
    source, line, fragment = REJECT[name]
    errors = [d for d in check(source) if d.is_error]
    assert errors, f"{name} should be rejected"
    assert errors[0].line == line, [(d.line, d.message) for d in errors]
    assert fragment in errors[0].message


@pytest.mark.parametrize("name", sorted(WARN))
def test_warns_but_accepts(name: str) -> None:
    source, line, fragment = WARN[name]
    diags = check(source)
    assert [d for d in diags if d.is_error] == []
    warnings = [d for d in diags if d.severity is Severity.WARNING]
    assert any(d.line == line and fragment in d.message for d in warnings), [(d.line, d.message) for d in warnings]
    strict = check(source, strict=True)
    assert any(d.is_error and d.line == line for d in strict)


def test_one_error_per_line_and_source_text_verbatim() -> None:
    diags = check("class public T\n    method public void m(\n  methodend\nclassend\n")
    errors = [d for d in diags if d.is_error]
    assert [d.line for d in errors] == [2, 3]
    assert errors[0].source_text == "    method public void m("
    assert errors[0].program_line == 20


def test_numbered_source_reports_program_line_numbers() -> None:
    errors = [d for d in check("0100 print 1\n0110 for i=1 10\n") if d.is_error]
    assert [(d.line, d.program_line) for d in errors] == [(2, 110)]


def test_columns_are_one_based() -> None:
    (error,) = [d for d in check("for i=1 10\n") if d.is_error]
    assert error.column == 9
